// A real Backstage backend for coderhost's end-to-end tests: the proxy and
// catalog plugins on Backstage's new backend system, configured entirely by
// the app-config files the test passes with --config.
//
//   node backend.js --config app-config.yaml
//   node backend.js --versions     # prints the pinned Backstage packages' versions
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const PACKAGES = [
  '@backstage/backend-defaults',
  '@backstage/plugin-proxy-backend',
  '@backstage/plugin-catalog-backend',
  'better-sqlite3',
];

function installedVersion(name) {
  const file = path.join(__dirname, 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

if (process.argv.includes('--versions')) {
  for (const name of PACKAGES) {
    console.log(`${name} ${installedVersion(name)}`);
  }
  console.log(`node ${process.version}`);
  process.exit(0);
}

const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
backend.add(import('@backstage/plugin-proxy-backend'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.start().catch(err => {
  console.error(err);
  process.exit(1);
});
