// The same job as `cognito verify` with aws-jwt-verify (the AWS Labs verifier for Node.js),
// for scripts/bench.sh: one token per stdin line, one JSON verdict per stdout line.
// Keys come from a JWKS file (cacheJwks), verification is the synchronous API (its fastest),
// input is read in one go and output written in large blocks (both in its favour).
//
//   node aws_jwt_verify.js <jwks.json> <userPoolId> <clientId> < tokens.txt > verdicts.txt
const fs = require("fs");
const { CognitoJwtVerifier } = require("aws-jwt-verify");

const [jwksPath, userPoolId, clientId] = process.argv.slice(2);
const verifier = CognitoJwtVerifier.create({ userPoolId, tokenUse: "access", clientId });
verifier.cacheJwks(JSON.parse(fs.readFileSync(jwksPath, "utf8")));

const lines = fs.readFileSync(0, "utf8").split("\n");
let out = [];
let size = 0;
const flush = () => {
  fs.writeSync(1, out.join(""));
  out = [];
  size = 0;
};
for (const line of lines) {
  const token = line.trim();
  if (!token) continue;
  let verdict;
  try {
    verdict = JSON.stringify({ valid: true, claims: verifier.verifySync(token) });
  } catch (e) {
    verdict = JSON.stringify({ valid: false, error: { message: String(e && e.message) } });
  }
  out.push(verdict, "\n");
  size += verdict.length;
  if (size > 1 << 18) flush();
}
flush();
