// src/ imports socket.io-client's browser build as ./vendor/socket.io.esm.min.js
// (the Makefile copies it into dist/); its types are the package's own.
export * from "socket.io-client";
