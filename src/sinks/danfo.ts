/**
 * danfojs, loaded on first use only: loading it takes about half a second and
 * it is most of pipelab's install size, so a pipeline that never asks for a
 * DataFrame never pays for it.
 *
 * Why `danfojs` 1.1.2 and not `danfojs-node`: danfojs-node 1.2.0 takes `xlsx`
 * from a tarball outside the npm registry and the native `@tensorflow/tfjs-node`,
 * whose install script downloads a library; npm applies a package's
 * `overrides` only in the root project, so a user's `npm install` of pipelab
 * failed. danfojs 1.1.2 needs the registry only (TensorFlow.js in pure
 * JavaScript, xlsx 0.17.2) and works in Node; its DataFrame is the same class.
 */
type Danfo = typeof import("danfojs");

let danfo: Danfo | undefined;

export function loadDanfo(): Danfo {
  danfo ??= require("danfojs") as Danfo;
  return danfo;
}
