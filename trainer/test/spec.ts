/**
 * The job spec's parser: a valid spec round-trips, and every kind of bad input is
 * refused with SPEC_INVALID naming the field (so a CLI can point at it).
 */
import { expect } from "chai";

import { canonicalSpec, demoSpec, MLP_KIND, parseSpec, PLACEHOLDER_CID, TrainerError } from "../src";
import { specJson } from "./fixtures";

type Json = Record<string, unknown>;

function at(json: Json, path: string): Json {
  let node: Json = json;
  for (const key of path.split(".")) node = node[key] as Json;
  return node;
}

/** A copy of the demo spec's JSON with `change` applied. */
function mutated(change: (json: Json) => void): Json {
  const json = specJson();
  change(json);
  return json;
}

function refusal(config: unknown): TrainerError {
  try {
    parseSpec(config);
  } catch (error) {
    if (error instanceof TrainerError) return error;
    throw error;
  }
  return expect.fail("the spec was accepted");
}

describe("trainer spec: cyxwiz/mlp-classifier@1 validation", () => {
  it("accepts the demo spec, from JSON text too, and returns it unchanged", () => {
    const spec = demoSpec(PLACEHOLDER_CID);
    expect(parseSpec(JSON.parse(JSON.stringify(spec)))).to.deep.equal(spec);
    expect(spec.kind).to.equal(MLP_KIND);
  });

  const cases: Array<[string, (json: Json) => void, string, RegExp]> = [
    ["not an object", () => undefined, "spec", /^spec must be an object/],
    ["an unknown top-level field", (j) => (j.optimizer = "sgd"), "optimizer", /is not a field of cyxwiz\/mlp-classifier@1/],
    ["a missing section", (j) => delete j.validation, "validation", /^validation is required$/],
    [
      "another kind",
      (j) => (j.kind = "cyxwiz/mlp-classifier@2"),
      "kind",
      /must be "cyxwiz\/mlp-classifier@1", got "cyxwiz\/mlp-classifier@2"/,
    ],
    [
      "a typo in a hyperparameter",
      (j) => {
        at(j, "hyperparameters").learning_rate = 0.1;
      },
      "hyperparameters.learning_rate",
      /is not a field/,
    ],
    [
      "no hidden layers",
      (j) => {
        at(j, "model").hidden = [];
      },
      "model.hidden",
      /list of 1 to 8 layer widths/,
    ],
    [
      "a fractional width",
      (j) => {
        at(j, "model").hidden = [32, 1.5];
      },
      "model.hidden[1]",
      /integer from 1 to 1024, got 1.5/,
    ],
    [
      "a too-wide layer",
      (j) => {
        at(j, "model").hidden = [4096];
      },
      "model.hidden[0]",
      /integer from 1 to 1024, got 4096/,
    ],
    [
      "an unknown activation",
      (j) => {
        at(j, "model").activation = "gelu";
      },
      "model.activation",
      /one of "relu", "tanh", got "gelu"/,
    ],
    [
      "zero epochs",
      (j) => {
        at(j, "hyperparameters").epochs = 0;
      },
      "hyperparameters.epochs",
      /integer from 1 to 1000, got 0/,
    ],
    [
      "epochs as a string",
      (j) => {
        at(j, "hyperparameters").epochs = "20";
      },
      "hyperparameters.epochs",
      /got "20"/,
    ],
    [
      "a fractional batch size",
      (j) => {
        at(j, "hyperparameters").batchSize = 12.5;
      },
      "hyperparameters.batchSize",
      /integer/,
    ],
    [
      "a zero learning rate",
      (j) => {
        at(j, "hyperparameters").learningRate = 0;
      },
      "hyperparameters.learningRate",
      /greater than 0 and at most 1, got 0/,
    ],
    [
      "a learning rate above 1",
      (j) => {
        at(j, "hyperparameters").learningRate = 3;
      },
      "hyperparameters.learningRate",
      /at most 1, got 3/,
    ],
    [
      "a negative seed",
      (j) => {
        at(j, "hyperparameters").seed = -1;
      },
      "hyperparameters.seed",
      /integer from 0 to 4294967295/,
    ],
    [
      "a seed above uint32",
      (j) => {
        at(j, "hyperparameters").seed = 2 ** 32;
      },
      "hyperparameters.seed",
      /integer from 0 to 4294967295/,
    ],
    ["a missing seed", (j) => delete at(j, "hyperparameters").seed, "hyperparameters.seed", /is required/],
    [
      "a dataset CID that is not one",
      (j) => {
        at(j, "dataset").cid = "not-a-cid";
      },
      "dataset.cid",
      /must be an IPFS CID/,
    ],
    [
      "another dataset format",
      (j) => {
        at(j, "dataset").format = "csv";
      },
      "dataset.format",
      /must be "cyxwiz-tabular@1", got "csv"/,
    ],
    [
      "a zero validation fraction",
      (j) => {
        at(j, "validation").fraction = 0;
      },
      "validation.fraction",
      /greater than 0 and at most 0.5/,
    ],
    [
      "a validation fraction above one half",
      (j) => {
        at(j, "validation").fraction = 0.8;
      },
      "validation.fraction",
      /at most 0.5, got 0.8/,
    ],
    ["validation as a number", (j) => (j.validation = 0.2), "validation", /must be an object with fraction, got 0.2/],
  ];
  for (const [what, change, field, pattern] of cases) {
    it(`refuses ${what}: SPEC_INVALID naming ${field}`, () => {
      const error = refusal(what === "not an object" ? [1, 2] : mutated(change));
      expect(error.code).to.equal("SPEC_INVALID");
      expect(error.field).to.equal(field);
      expect(error.message.startsWith(`${field} `), error.message).to.equal(true);
      expect(error.message).to.match(pattern);
    });
  }

  it("canonicalSpec is independent of key order", () => {
    const spec = demoSpec(PLACEHOLDER_CID);
    const reordered = parseSpec({
      validation: spec.validation,
      dataset: spec.dataset,
      hyperparameters: spec.hyperparameters,
      model: spec.model,
      kind: spec.kind,
    });
    expect(canonicalSpec(reordered)).to.equal(canonicalSpec(spec));
  });
});
