// Imported first by a test file: chalk (inside Ink) decides its colour level when it loads.
process.env.FORCE_COLOR = '1';
