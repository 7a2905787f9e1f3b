/**
 * danfojs-node, loaded on first use only: loading it takes 1-3 s and it is
 * most of pipelab's install size, so a pipeline that never asks for a
 * DataFrame never pays for it.
 */
type Danfo = typeof import("danfojs-node");

let danfo: Danfo | undefined;

export function loadDanfo(): Danfo {
  danfo ??= require("danfojs-node") as Danfo;
  return danfo;
}
