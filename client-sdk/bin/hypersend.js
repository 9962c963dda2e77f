#!/usr/bin/env node
// `hypersend` CLI shim: there is no build step, so register tsx's ESM loader in this process and
// load the TypeScript entry point.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
