#!/usr/bin/env node
// Installed entry point; `npm run build:cli` produces the bundle it loads.
import '../out/cli/index.js';
