// `cargo xtask serve`: serves the release build in dist/ with the same static server the
// end-to-end tests use, until interrupted. Usage: node tests/e2e/serve.mjs [127.0.0.1:PORT]
import { serve } from "./harness.mjs";

const [, port = "8080"] = (process.argv[2] ?? "").split(":");
try {
  const { origin } = await serve(Number(port));
  console.log(`serving dist/ on ${origin}/`);
} catch (e) {
  console.error(`cannot serve dist/ on port ${port}: ${e.message}`);
  process.exit(1);
}
