// Public entry of @hypersend/web: the server factory and its configuration, for tests and embedders.
export { APP_DIR, type AppAssets, buildAppAssets } from './app-bundle.ts';
export { loadWebConfig, WEB_ENV, type WebConfig, WebConfigError, type WebEnvName } from './config.ts';
export { contentSecurityPolicy, securityHeaders } from './security-headers.ts';
export {
  type AppRuntimeConfig,
  createWebServer,
  type WebServer,
  type WebServerOptions,
} from './web-server.ts';
