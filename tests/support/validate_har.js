// Validates HAR files against the HAR 1.2 schema with har-validator: exit 0 when all are valid, 1 with
// the schema's complaints on stderr, 2 when har-validator cannot be loaded.
// Usage: node validate_har.js NODE_MODULES_DIR FILE...
'use strict';
const fs = require('fs');
const path = require('path');

let validator;
try {
    validator = require(path.resolve(process.argv[2], 'har-validator'));
} catch (e) {
    console.error('har-validator not found under ' + process.argv[2] + ': ' + e.message);
    process.exit(2);
}

async function main(files) {
    let failed = false;
    for (const file of files) {
        try {
            await validator.har(JSON.parse(fs.readFileSync(file, 'utf8')));
        } catch (e) {
            failed = true;
            console.error(file + ': ' + e.message + ' ' + JSON.stringify(e.errors || [], null, 1));
        }
    }
    process.exit(failed ? 1 : 0);
}

main(process.argv.slice(3));
