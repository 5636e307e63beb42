// A real OpenID provider for meldpunt's single sign-on tests: oidc-provider (OpenID
// Certified), started by the tests with `node provider.mjs` (after `npm ci` here).
//
// Settings, from the environment:
//   PORT          the port to listen on (127.0.0.1)
//   ISSUER        the issuer it names itself (default http://localhost:PORT) — a test of a
//                 wrong issuer starts it under another name
//   CLIENTS       JSON list of clients: [{client_id, client_secret, redirect_uris: [...]}]
//   KEY_ID        the id of its signing key; a key is made fresh at every start, so a
//                 restart with another KEY_ID is a key rotation
//   ID_TOKEN_TTL  seconds an ID token is valid (default 3600)
//   AMR           comma-separated `amr` of every sign-in (default "pwd"; "pwd,mfa" asserts
//                 multi-factor sign-in)
//
// Nobody types anything: every sign-in is of the account named in the request's
// `login_hint` (used as `sub` and, with "@" in it, as the verified e-mail address), with the
// configured `amr`, and consent is given at once — a test follows the redirects only.
// `POST /test/block?account=…` blocks an account, as an administrator would at the
// organisation: its sign-ins are refused (`access_denied`) and a silent request for its
// session (prompt=none) gets an error instead of a code.
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import Provider from "oidc-provider";

const port = Number(process.env.PORT || 0);
const issuer = process.env.ISSUER || `http://localhost:${port}`;
const clients = JSON.parse(process.env.CLIENTS || "[]");
const amr = (process.env.AMR || "pwd").split(",").filter(Boolean);

const blocked = new Set();

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const key = { ...privateKey.export({ format: "jwk" }), kid: process.env.KEY_ID || "key-1", use: "sig", alg: "RS256" };

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
    ...c,
  })),
  jwks: { keys: [key] },
  pkce: { required: () => true },
  ttl: { IdToken: Number(process.env.ID_TOKEN_TTL || 3600) },
  // `amr` passes the scope filter only when the openid scope names it.
  claims: { openid: ["sub", "amr"], email: ["email", "email_verified"], profile: ["name"] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // A blocked account keeps no grant: a silent request (prompt=none) gets an error back, as
  // from a real provider that revoked the person's access.
  async loadExistingGrant(ctx) {
    if (blocked.has(ctx.oidc.session.accountId)) return undefined;
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const claims = { sub: id, name: id };
        if (id.includes("@")) {
          claims.email = id;
          claims.email_verified = true;
        }
        return claims;
      },
    };
  },
});
// Signs in and consents at once, as the account named in `login_hint`.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const accountId = details.params.login_hint || "anonymous";
  if (blocked.has(accountId)) {
    await provider.interactionFinished(req, res, { error: "access_denied", error_description: "blocked" });
    return;
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope || "openid"));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId, amr }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
const server = createServer((req, res) => {
  if (req.method === "POST" && req.url.startsWith("/test/block?")) {
    blocked.add(new URL(req.url, issuer).searchParams.get("account"));
    res.statusCode = 204;
    res.end();
  } else if (req.url.startsWith("/interaction/")) {
    interaction(req, res).catch((e) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  } else {
    callback(req, res);
  }
});
server.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${server.address().port} as ${issuer}`);
});
