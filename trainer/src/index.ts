/** The built-in declarative job kind cyxwiz/mlp-classifier@1: spec, data, training, re-evaluation. */
export * from "./errors";
export * from "./spec";
export * from "./rng";
export * from "./dataset";
export * from "./generate";
export * from "./split";
export * from "./weights";
export * from "./model";
export * from "./metrics";
export * from "./evaluate";
export * from "./checkpoint";
export * from "./adam";
export * from "./train";
export * from "./demo";
