// mongosh script run by the mongo image once, when its data volume is empty
// (/docker-entrypoint-initdb.d). It creates the application user with readWrite on the application
// database only. The root user (MONGO_INITDB_ROOT_*) is for administration and backups and is never
// given to signaling or the relay. Changing MONGO_APP_* later has no effect on an existing volume:
// see docs/OPERATIONS.md ("Rotating the MongoDB passwords").
const dbName = process.env.MONGODB_DB;
const user = process.env.MONGO_APP_USERNAME;
const pwd = process.env.MONGO_APP_PASSWORD;
if (!dbName || !user || !pwd) {
  throw new Error('init-app-user.js: MONGODB_DB, MONGO_APP_USERNAME and MONGO_APP_PASSWORD must be set');
}
db.getSiblingDB(dbName).createUser({ user, pwd, roles: [{ role: 'readWrite', db: dbName }] });
print(`init-app-user.js: created ${user} with readWrite on ${dbName}`);
