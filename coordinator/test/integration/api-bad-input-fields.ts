/**
 * Bad inputs, the fields: missing, mistyped, out of range or unknown values in quotes,
 * jobs, registrations, heartbeats and reports, and escrows the verifier refuses. The table
 * is run by ../harness/bad-input.ts: each row a clear 4xx that changes nothing.
 */
import { call, escrowAddress, heartbeat, jobIdHex, QUOTE_REQUEST, WEIGHTS_CID } from "../harness/api-harness";
import { describeBadInputs, type Row } from "../harness/bad-input";

describeBadInputs((w): Row[] => {
  const { node, quote, jobBody, submit, register, deepConfigJob } = w;
  const wrongWayEscrow = escrowAddress();
  const underfundedEscrow = escrowAddress();

  return [
    {
      name: "a missing field",
      send: () => quote({ ...QUOTE_REQUEST, priority: undefined }),
      status: 400,
      code: "INVALID_FIELD",
      field: "priority",
      message: /is required/,
    },
    {
      name: "a number sent as a string",
      send: () => quote({ ...QUOTE_REQUEST, epochs: "3" }),
      status: 400,
      code: "INVALID_FIELD",
      field: "epochs",
      message: /must be an integer, got string "3"/,
    },
    {
      name: "a fractional integer",
      send: () => quote({ ...QUOTE_REQUEST, epochs: 1.5 }),
      status: 400,
      code: "INVALID_FIELD",
      field: "epochs",
    },
    {
      name: "a negative size",
      send: () => quote({ ...QUOTE_REQUEST, dataset: { bytes: -1 } }),
      status: 400,
      code: "INVALID_FIELD",
      field: "dataset.bytes",
    },
    {
      name: "two dataset sizes",
      send: () => quote({ ...QUOTE_REQUEST, dataset: { bytes: 10, tokens: 10 } }),
      status: 400,
      code: "INVALID_FIELD",
      field: "dataset",
      message: /exactly one of bytes, samples or tokens/,
    },
    {
      name: "an unknown priority",
      send: () => quote({ ...QUOTE_REQUEST, priority: "urgent" }),
      status: 400,
      code: "INVALID_FIELD",
      field: "priority",
      message: /normal, high, critical/,
    },
    {
      name: "an unknown GPU model",
      send: () => quote({ ...QUOTE_REQUEST, gpu: { models: ["RTX_9999"] } }),
      status: 400,
      code: "INVALID_FIELD",
      field: "gpu.models[0]",
    },
    { name: "a null optional field", send: () => quote({ ...QUOTE_REQUEST, gpu: null }), status: 400, code: "INVALID_FIELD", field: "gpu" },
    {
      name: "a job id in upper case",
      send: () => submit(jobBody({ jobId: jobIdHex().toUpperCase() })),
      status: 400,
      code: "INVALID_FIELD",
      field: "jobId",
    },
    {
      name: "an escrow that is not an address",
      send: () => submit(jobBody({ escrow: "0xdeadbeef" })),
      status: 400,
      code: "INVALID_FIELD",
      field: "escrow",
    },
    {
      name: "an escrow address that is not 32 bytes",
      send: () => submit(jobBody({ escrow: `${"1".repeat(33)}2` })),
      status: 400,
      code: "INVALID_FIELD",
      field: "escrow",
      message: /32 bytes/,
    },
    {
      name: "a dataset that is not a CID",
      send: () => submit(jobBody({ datasetCid: "https://example.com/data" })),
      status: 400,
      code: "INVALID_FIELD",
      field: "datasetCid",
    },
    {
      name: "a config that is not an object",
      send: () => submit(jobBody({ config: "lr=0.1" })),
      status: 400,
      code: "INVALID_FIELD",
      field: "config",
    },
    {
      name: "a config nested too deep",
      send: () => submit(jobBody({ config: JSON.parse(`${'{"a":'.repeat(20)}1${"}".repeat(20)}`) as unknown })),
      status: 400,
      code: "INVALID_FIELD",
      field: "config",
    },
    {
      name: "a config nested thousands of levels deep (no stack overflow)",
      send: () => submit(deepConfigJob(7_000)),
      status: 400,
      code: "TOO_DEEP",
      message: /deeper than 64 levels/,
    },
    {
      name: "a wrong escrow (funded by someone else)",
      prepare: async () => {
        w.api.verifier.verdicts.set(wrongWayEscrow, {
          ok: false,
          code: "ESCROW_WRONG_PAYER",
          reason: `escrow ${wrongWayEscrow} was funded by another wallet: fund an escrow from your own wallet`,
        });
      },
      send: () => submit(jobBody({ escrow: wrongWayEscrow })),
      status: 422,
      code: "ESCROW_WRONG_PAYER",
      field: "escrow",
      message: /funded by another wallet/,
    },
    {
      name: "an underfunded escrow",
      prepare: async () => {
        w.api.verifier.verdicts.set(underfundedEscrow, {
          ok: false,
          code: "ESCROW_UNDERFUNDED",
          reason: `escrow ${underfundedEscrow} holds 10 base units but the quote is more`,
        });
      },
      send: () => submit(jobBody({ escrow: underfundedEscrow })),
      status: 422,
      code: "ESCROW_UNDERFUNDED",
      field: "escrow",
    },
    {
      name: "a price floor sent as a number",
      send: () => register({ gpuModel: "RTX_3060", vramGb: 12, gpuCount: 1, priceFloor: 1000 }),
      status: 400,
      code: "INVALID_FIELD",
      field: "priceFloor",
    },
    {
      name: "zero GPUs",
      send: () => register({ gpuModel: "RTX_3060", vramGb: 12, gpuCount: 0, priceFloor: "1" }),
      status: 400,
      code: "INVALID_FIELD",
      field: "gpuCount",
    },
    {
      name: "progress without a job",
      send: () => heartbeat(w.api, node, { progress: 0.5 }),
      status: 400,
      code: "INVALID_FIELD",
      field: "progress",
    },
    {
      name: "progress above 1",
      send: () => heartbeat(w.api, node, { jobId: w.jobId, progress: 1.5 }),
      status: 400,
      code: "INVALID_FIELD",
      field: "progress",
    },
    {
      name: "a report with a bad hash",
      send: () =>
        call(w.api, "POST", `/v1/jobs/${w.jobId}/report`, {
          signer: node,
          body: { weightsCid: WEIGHTS_CID, weightsSha256: "abc", jobToken: "ab".repeat(32) },
        }),
      status: 400,
      code: "INVALID_FIELD",
      field: "weightsSha256",
    },
  ];
});
