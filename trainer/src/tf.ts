/**
 * TensorFlow.js, pure JavaScript (`@tensorflow/tfjs`, its CPU backend): nothing native,
 * nothing downloaded at install or run time. Everything in the trainer imports tf from
 * here so the backend choice is made once.
 *
 * Why the umbrella package rather than tfjs-core + tfjs-backend-cpu alone: in
 * CommonJS only its Node bundle registers the gradient functions (tfjs-core's
 * `register_all_gradients` is ES-module-only with extensionless imports, which Node
 * cannot load), and training needs them.
 *
 * Why the CPU backend also suits verification: its kernels are plain loops over
 * Float32Arrays in a fixed order, so a forward pass is bit-identical run after run
 * (matmul, add and relu use only IEEE + and ×, which JavaScript specifies exactly).
 * The WebGL backend the package also registers is never selected.
 *
 * Prod mode only silences tfjs' console messages (its advice to install the native
 * Node backend, printed on first use); no computation changes.
 */
import * as tf from "@tensorflow/tfjs";

tf.enableProdMode();
// Explicit, so the registry never tries WebGL (higher priority, absent in Node) first.
void tf.setBackend("cpu");

export { tf };
