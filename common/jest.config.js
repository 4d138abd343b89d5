module.exports = { ...require('../jest.preset.js'), verbose: true };
