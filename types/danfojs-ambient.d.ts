// danfojs's declarations import types from `papaparse` and `plotly.js-dist-min`,
// which danfojs does not depend on (and @types/plotly.js needs the DOM library).
// Without these, a project that checks its libraries (`skipLibCheck: false`)
// fails on danfojs's files as soon as it imports pipelab, whose `toDataFrame()`
// returns a danfojs DataFrame. Only the names danfojs uses, as open option bags;
// a project with the real @types gets those instead (a resolved module wins
// over an ambient declaration).
declare module "papaparse" {
  export interface ParseConfig {
    [option: string]: unknown;
  }
}
declare module "plotly.js-dist-min" {
  export interface Config {
    [option: string]: unknown;
  }
  export interface Layout {
    [option: string]: unknown;
  }
}
