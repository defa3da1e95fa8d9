// GraphQL Code Generator on schema.graphql and the app's operation documents
// (clients/operations), `tsc` over code that uses the generated types, and
// every document run against the live server in allow-list mode, registered
// from the generated persisted-documents manifest.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { generate } from "@graphql-codegen/cli";
import { Kind, parse } from "graphql";

import { ROOT, startServer } from "./support/server.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const BIN = join(HERE, "node_modules", ".bin");
const OPERATIONS = join(HERE, "operations");
const MANIFEST = join(HERE, "generated", "persisted-documents.json");

function run(command, args, { cwd = HERE, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => resolve({ code, output }));
  });
}

function operationNames(source) {
  return parse(source)
    .definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION)
    .map((definition) => definition.name.value);
}

const documentedOperations = readdirSync(OPERATIONS)
  .filter((file) => file.endsWith(".graphql"))
  .flatMap((file) => operationNames(readFileSync(join(OPERATIONS, file), "utf8")))
  .sort();

describe("GraphQL Code Generator", () => {
  test("generates typed documents and a persisted-documents manifest for every operation", async () => {
    const { code, output } = await run(join(BIN, "graphql-codegen"), ["--config", "codegen.ts", "--silent"]);
    assert.equal(code, 0, output);

    const generated = readFileSync(join(HERE, "generated", "graphql.ts"), "utf8");
    for (const name of documentedOperations) {
      assert.match(generated, new RegExp(`export const ${name}Document = `), name);
      assert.match(generated, new RegExp(`export type ${name}(Query|Mutation)Variables = `), name);
    }
    const manifest = JSON.parse(readFileSync(MANIFEST, "utf8"));
    const inManifest = Object.values(manifest).flatMap(operationNames).sort();
    assert.deepEqual(inManifest, documentedOperations);
  });

  test("tsc type-checks code written against the generated types", async () => {
    const { code, output } = await run(join(BIN, "tsc"), ["--noEmit", "-p", "tsconfig.json"]);
    assert.equal(code, 0, output);
  });

  test("a schema change that breaks an operation fails generation, naming the field and file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "conduit-codegen-"));
    try {
      const schema = readFileSync(join(ROOT, "schema.graphql"), "utf8").replace(
        /\n\s*"""False when nobody is signed in."""\n\s*viewerHasFavorited: Boolean!/,
        "",
      );
      assert.ok(!schema.includes("viewerHasFavorited"), "the field was removed");
      writeFileSync(join(dir, "schema.graphql"), schema);

      // generate() also prints a summary with console.error; keep it out of
      // the test output, and check it says nothing was written.
      const printed = [];
      const consoleError = console.error;
      console.error = (...args) => printed.push(args.join(" "));
      try {
        await assert.rejects(
          generate(
            {
              schema: join(dir, "schema.graphql"),
              documents: [join(OPERATIONS, "*.graphql")],
              silent: true,
              generates: { [join(dir, "out") + "/"]: { preset: "client" } },
            },
            false,
          ),
          (error) => {
            assert.match(error.message, /Cannot query field "viewerHasFavorited" on type "Article"/);
            assert.match(error.message, /fragments\.graphql/);
            return true;
          },
        );
      } finally {
        console.error = consoleError;
      }
      assert.match(printed.join("\n"), /no files were generated/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("every operation document against the live server (allow-list mode)", () => {
  let server;
  let hashes;
  const ran = new Set();

  before(async () => {
    server = await startServer({ PERSISTED_QUERIES: "allowlist" });
    // The generated manifest, as the first describe block wrote it.
    const registered = await run(join(ROOT, ".venv", "bin", "python"), ["-m", "graph", "register-operations", MANIFEST], {
      cwd: ROOT,
      env: { DATABASE_URL: server.databaseUrl },
    });
    assert.equal(registered.code, 0, registered.output);
    assert.match(registered.output, new RegExp(`${documentedOperations.length} operations on the allow-list`));
    const manifest = JSON.parse(readFileSync(MANIFEST, "utf8"));
    hashes = new Map(
      Object.entries(manifest).map(([id, document]) => [operationNames(document)[0], id.replace(/^sha256:/, "")]),
    );
  });
  after(async () => {
    await server?.stop();
  });

  /** Sends only the hash, as a client with persisted documents does; fails on any error. */
  async function operation(name, variables = {}, token) {
    const headers = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(server.url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        operationName: name,
        variables,
        extensions: { persistedQuery: { version: 1, sha256Hash: hashes.get(name) } },
      }),
    });
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.errors, undefined, `${name}: ${JSON.stringify(body.errors)}`);
    for (const payload of Object.values(body.data)) {
      if (payload && Array.isArray(payload.errors)) assert.deepEqual(payload.errors, [], name);
    }
    ran.add(name);
    return body.data;
  }

  test("a reader and an author go through every page of the app", async () => {
    const author = { username: "codegen_author", email: "codegen_author@example.com", password: "author-password" };
    const signedUp = await operation("SignUp", { input: author });
    assert.equal(signedUp.register.viewer.user.username, author.username);
    const { login } = await operation("SignIn", { input: { email: author.email, password: author.password } });
    const authorToken = login.token;
    const authorId = login.viewer.user.id;
    const reader = { username: "codegen_reader", email: "codegen_reader@example.com", password: "reader-password" };
    const readerToken = (await operation("SignUp", { input: reader })).register.token;

    const created = await operation(
      "CreateArticle",
      { input: { title: "Typed clients", description: "codegen", body: "First draft", tags: ["Typed-Clients"] } },
      authorToken,
    );
    const article = created.createArticle.article;
    assert.deepEqual(article.tags, ["typed-clients"]);
    const updated = await operation(
      "UpdateArticle",
      { input: { id: article.id, title: "Typed clients, revised", body: "Second draft" } },
      authorToken,
    );
    assert.equal(updated.updateArticle.article.slug, article.slug);
    assert.equal(updated.updateArticle.article.body, "Second draft");

    const home = await operation("GlobalFeed", { tag: "typed-clients" });
    assert.deepEqual(
      home.articles.edges.map(({ node }) => node.title),
      ["Typed clients, revised"],
    );
    assert.ok(home.tags.length > 0);

    const comment = (await operation("AddComment", { articleId: article.id, body: "Nice" }, readerToken)).addComment
      .comment;
    const page = await operation("ArticlePage", { slug: article.slug }, readerToken);
    assert.deepEqual(
      page.article.comments.edges.map(({ node }) => [node.author.username, node.body]),
      [[reader.username, "Nice"]],
    );

    const favorited = await operation("FavoriteArticle", { articleId: article.id }, readerToken);
    assert.equal(favorited.favoriteArticle.article.favoritesCount, 1);
    const unfavorited = await operation("UnfavoriteArticle", { articleId: article.id }, readerToken);
    assert.equal(unfavorited.unfavoriteArticle.article.favoritesCount, 0);

    const followed = await operation("FollowUser", { userId: authorId }, readerToken);
    assert.equal(followed.followUser.user.viewerIsFollowing, true);
    const feed = await operation("YourFeed", {}, readerToken);
    assert.deepEqual(
      feed.viewer.feed.edges.map(({ node }) => node.id),
      [article.id],
    );
    const profile = await operation("Profile", { username: author.username }, readerToken);
    assert.equal(profile.user.followersCount, 1);
    assert.equal(profile.user.articles.totalCount, 1);
    const unfollowed = await operation("UnfollowUser", { userId: authorId }, readerToken);
    assert.equal(unfollowed.unfollowUser.user.followersCount, 0);

    const settings = await operation("Settings", {}, authorToken);
    assert.equal(settings.viewer.email, author.email);
    const saved = await operation("UpdateSettings", { input: { bio: "Writes typed clients" } }, authorToken);
    assert.equal(saved.updateViewer.viewer.user.bio, "Writes typed clients");
    assert.equal(saved.updateViewer.token, null);

    const deletedComment = await operation("DeleteComment", { id: comment.id }, readerToken);
    assert.equal(deletedComment.deleteComment.deletedCommentId, comment.id);
    const deletedArticle = await operation("DeleteArticle", { id: article.id }, authorToken);
    assert.equal(deletedArticle.deleteArticle.deletedArticleId, article.id);

    assert.deepEqual([...ran].sort(), documentedOperations, "every document was run");
  });

  test("a query that is not in the manifest is refused", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ users { totalCount } }" }),
    });
    const body = await response.json();
    assert.equal(body.errors[0].extensions.code, "OPERATION_NOT_ALLOWED");
  });
});
