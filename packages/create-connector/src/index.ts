/** The scaffolder as a library: what the `create-autoimport-connector` command runs. */
export * from "./Scaffold.js"
