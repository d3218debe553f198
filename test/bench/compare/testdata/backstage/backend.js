// A Backstage backend with only the proxy plugin, as Backstage's own
// /api/proxy serves: make bench-compare points its '/coder' endpoint at the
// same upstream as coderhost and measures both. Configuration comes from
// the --config files the bench passes (Backstage's config loader reads them
// from process.argv).
const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
backend.add(require('@backstage/plugin-proxy-backend'));
backend.start();
