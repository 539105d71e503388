// Precise types for the plain objects cipherflow returns and accepts.
// Appended to the generated cipherflow_web.d.ts (see web/src/lib.rs).
