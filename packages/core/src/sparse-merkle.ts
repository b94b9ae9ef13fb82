// Placeholder: the sparse Merkle tree's hashing rules and proof verifier land here (see ARCHITECTURE.md, "State and proofs").
export {};
