// Subscriptions from real clients, unchanged: Apollo Client 4's GraphQLWsLink
// and urql's subscriptionExchange, both over graphql-ws's client, against
// the live server; and a subscriber on one server process receiving a write
// made through another process on the same database (PostgreSQL NOTIFY).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql as apolloGql } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { Client, fetchExchange, gql as urqlGql, subscriptionExchange } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { OperationTypeNode } from "graphql";
import { createClient } from "graphql-ws";
import { WebSocket } from "ws";

import { ROOT, post, recordingFetch, signUp, startServer } from "./support/server.js";

const possibleTypes = JSON.parse(readFileSync(`${ROOT}/artifacts/possible-types.json`, "utf8"));
const schema = JSON.parse(readFileSync(`${ROOT}/artifacts/introspection.json`, "utf8"));

const FORBIDDEN = 4403;
// graphql-transport-ws has no "subscription is live" message, so a write made
// right after subscribing may precede it. Writers below repeat a write until
// the subscriber sees one; this is how long each attempt waits for it.
const SETTLE_MS = 500;
const DELIVERY_WAIT_MS = 2_000;
const ATTEMPTS = 6;

const wsUrl = (httpUrl) => httpUrl.replace(/^http/, "ws");

/**
 * The graphql-ws client both links use (Node 20 has no global WebSocket), and
 * `live`: resolves a moment after the server acknowledged the connection,
 * when a subscription sent right after it has most likely been registered.
 */
function wsClient(url, { token, onClosed = () => {} } = {}) {
  let acknowledged;
  const connected = new Promise((resolve) => (acknowledged = resolve));
  const client = createClient({
    url: wsUrl(url),
    webSocketImpl: WebSocket,
    connectionParams: () => (token ? { authorization: `Bearer ${token}` } : {}),
    // 4403 is a bad token: retrying cannot help (graphql-ws retries it by default).
    shouldRetry: (event) => event?.code !== FORBIDDEN,
    on: { connected: () => acknowledged(), closed: onClosed },
  });
  const live = () => connected.then(() => new Promise((resolve) => setTimeout(resolve, SETTLE_MS)));
  return { client, live };
}

/** Apollo's documented setup: subscriptions over the WebSocket, everything else over HTTP. */
function apollo(url, { token, fetch = globalThis.fetch, ws = wsClient(url, { token }) } = {}) {
  const auth = new SetContextLink(({ headers }) => ({
    headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
  }));
  const link = ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(ws.client),
    ApolloLink.from([auth, new HttpLink({ uri: url, fetch })]),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache({ possibleTypes }) });
  return { client, live: ws.live, dispose: () => (client.stop(), ws.client.dispose()) };
}

/** Collects a subscription's results (from an rxjs or wonka source) and waits for one that matches. */
function collector() {
  const results = [];
  const waiters = [];
  const push = (result) => {
    results.push(result);
    for (const waiter of waiters.splice(0)) waiter();
  };
  const until = async (predicate, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = results.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  };
  return { results, push, until };
}

/** A collector over several subscribers: `until` finds a result that matches for each of them. */
function everyone(...collectors) {
  return {
    results: collectors.map((one) => one.results),
    async until(predicate, timeoutMs) {
      const seen = await Promise.all(collectors.map((one) => one.until(predicate, timeoutMs)));
      return seen.every(Boolean) ? seen : undefined;
    },
  };
}

/**
 * Once the socket is `live`, repeats `write` until the subscriber has seen
 * what it wrote (a loaded machine may register the subscription later still);
 * returns what was written and what was seen.
 */
async function writeUntilDelivered(live, received, write, matches) {
  await live();
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const written = await write(attempt);
    const seen = await received.until((result) => matches(result, written), DELIVERY_WAIT_MS);
    if (seen) return { written, seen };
  }
  throw new Error(`nothing delivered after ${ATTEMPTS} writes; got ${JSON.stringify(received.results)}`);
}

const ARTICLE_CREATED = apolloGql`
  subscription ArticleCreated($filter: ArticleFilter) {
    articleCreated(filter: $filter) {
      id
      title
      tags
      author {
        id
        username
        viewerIsFollowing
      }
    }
  }
`;

const CREATE_ARTICLE = apolloGql`
  mutation CreateArticle($input: CreateArticleInput!) {
    createArticle(input: $input) {
      article {
        id
        title
      }
      errors {
        code
        message
      }
    }
  }
`;

const FOLLOW = apolloGql`
  mutation Follow($userId: ID!) {
    followUser(input: { userId: $userId }) {
      user {
        id
        viewerIsFollowing
      }
      errors {
        code
      }
    }
  }
`;

let counter = 0;
function articleInput(tags = []) {
  counter += 1;
  return { title: `Live ${process.pid} ${counter}`, description: "Pushed to subscribers", body: "Body", tags };
}

async function createWithApollo(client, tags) {
  const { data } = await client.mutate({ mutation: CREATE_ARTICLE, variables: { input: articleInput(tags) } });
  assert.deepEqual(data.createArticle.errors, []);
  return data.createArticle.article;
}

async function createWithPost(url, token, tags) {
  const result = await post(url, CREATE_ARTICLE.loc.source.body, { input: articleInput(tags) }, token);
  assert.deepEqual(result.data?.createArticle.errors, [], JSON.stringify(result));
  return result.data.createArticle.article;
}

const createdArticle = (result, article) => result.data?.articleCreated.id === article.id;

// One database for the file, with a second server process on it for the last
// suite (started together: start-up is most of this file's time).
let server;
before(async () => {
  server = await startServer({}, { replicas: 1 });
});
after(async () => {
  await server?.stop();
});

describe("Apollo Client over GraphQLWsLink", () => {
  test("an article created through the HTTP side of the split link arrives on the WebSocket side", async (t) => {
    const author = await signUp(server.url);
    const recorded = recordingFetch();
    const { client, live, dispose } = apollo(server.url, { token: author.token, fetch: recorded.fetch });
    t.after(dispose);
    const received = collector();
    const subscription = client.subscribe({ query: ARTICLE_CREATED }).subscribe(received.push);
    t.after(() => subscription.unsubscribe());

    const { written, seen } = await writeUntilDelivered(
      live,
      received,
      () => createWithApollo(client, ["live"]),
      createdArticle,
    );
    assert.equal(seen.error, undefined);
    assert.deepEqual(seen.data.articleCreated, {
      __typename: "Article",
      id: written.id,
      title: written.title,
      tags: ["live"],
      author: { __typename: "User", id: author.user.id, username: author.user.username, viewerIsFollowing: false },
    });
    // Only the mutations went over HTTP; the subscription never did.
    assert.ok(recorded.calls.length >= 1);
    assert.ok(recorded.calls.every((call) => call.body.operationName === "CreateArticle"));
    // Apollo wrote the pushed article into its normalized cache.
    const cached = client.cache.identify({ __typename: "Article", id: written.id });
    assert.equal(client.cache.extract()[cached]?.title, written.title);
  });

  test("a filter on tag delivers only matching articles", async (t) => {
    const author = await signUp(server.url);
    const { client, live, dispose } = apollo(server.url, { token: author.token });
    t.after(dispose);
    const tag = `only-${process.pid}`;
    const received = collector();
    const subscription = client
      .subscribe({ query: ARTICLE_CREATED, variables: { filter: { tag } } })
      .subscribe(received.push);
    t.after(() => subscription.unsubscribe());

    await writeUntilDelivered(live, received, () => createWithApollo(client, [tag]), createdArticle);
    // The subscription is live now, and events arrive in commit order: if the
    // untagged article were let through, it would be seen before the last one.
    const untagged = await createWithApollo(client, ["elsewhere"]);
    const last = await createWithApollo(client, [tag, "elsewhere"]);
    assert.ok(await received.until((result) => createdArticle(result, last), DELIVERY_WAIT_MS * ATTEMPTS));
    assert.ok(!received.results.some((result) => createdArticle(result, untagged)));
    assert.ok(received.results.every((result) => result.data.articleCreated.tags.includes(tag)));
  });

  test("a signed-in subscriber sees its own viewer fields; an anonymous one does not", async (t) => {
    const author = await signUp(server.url);
    const reader = await signUp(server.url);
    const signedIn = apollo(server.url, { token: reader.token });
    const anonymous = apollo(server.url);
    t.after(() => (signedIn.dispose(), anonymous.dispose()));
    const followed = await signedIn.client.mutate({ mutation: FOLLOW, variables: { userId: author.user.id } });
    assert.equal(followed.data.followUser.user.viewerIsFollowing, true);

    const readerSees = collector();
    const anonymousSees = collector();
    const subscriptions = [
      signedIn.client.subscribe({ query: ARTICLE_CREATED }).subscribe(readerSees.push),
      anonymous.client.subscribe({ query: ARTICLE_CREATED }).subscribe(anonymousSees.push),
    ];
    t.after(() => subscriptions.forEach((subscription) => subscription.unsubscribe()));

    // Both must see the same event: the server shares viewer-independent work
    // between a process's subscribers, but never a viewer's own fields.
    const { seen } = await writeUntilDelivered(
      () => Promise.all([signedIn.live(), anonymous.live()]),
      everyone(readerSees, anonymousSees),
      () => createWithPost(server.url, author.token),
      createdArticle,
    );
    const [forReader, forAnonymous] = seen.map((result) => result.data.articleCreated);
    assert.equal(forReader.author.id, author.user.id);
    assert.equal(forReader.author.viewerIsFollowing, true);
    assert.equal(forAnonymous.id, forReader.id);
    assert.equal(forAnonymous.author.viewerIsFollowing, false);
  });

  test("a bad token closes the socket with 4403, which the client sees", async (t) => {
    const closes = [];
    const ws = wsClient(server.url, { token: "not-a-token", onClosed: (event) => closes.push(event.code) });
    const { client, dispose } = apollo(server.url, { token: "not-a-token", ws });
    t.after(dispose);
    // Apollo Client 4 reports a subscription's failure as a result with `error`.
    const result = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer to a subscription with a bad token")), 10_000);
      client.subscribe({ query: ARTICLE_CREATED }).subscribe({
        next: (value) => (clearTimeout(timer), resolve(value)),
        error: (error) => (clearTimeout(timer), reject(error)),
      });
    });
    assert.equal(result.data, undefined);
    assert.match(result.error.message, /^Socket closed with event 4403\b/);
    assert.deepEqual(closes, [FORBIDDEN]); // closed once, not retried
  });
});

describe("urql over subscriptionExchange", () => {
  const embedded = () => null;
  const keys = {
    ArticleConnection: embedded,
    ArticleEdge: embedded,
    CommentConnection: embedded,
    CommentEdge: embedded,
    UserConnection: embedded,
    UserEdge: embedded,
    PageInfo: embedded,
    Viewer: embedded,
    UserError: embedded,
    AuthPayload: embedded,
    CreateArticlePayload: embedded,
    AddCommentPayload: embedded,
    Tag: (tag) => tag.name,
  };

  function urql(url, token) {
    const ws = wsClient(url, { token });
    const client = new Client({
      url,
      exchanges: [
        cacheExchange({ schema, keys }),
        fetchExchange,
        subscriptionExchange({
          forwardSubscription(request) {
            const input = { ...request, query: request.query || "" };
            return { subscribe: (sink) => ({ unsubscribe: ws.client.subscribe(input, sink) }) };
          },
        }),
      ],
      fetchOptions: () => ({ headers: { authorization: token ? `Bearer ${token}` : "" } }),
    });
    return { client, live: ws.live, dispose: () => ws.client.dispose() };
  }

  const COMMENT_ADDED = urqlGql`
    subscription CommentAdded($articleId: ID!) {
      commentAdded(articleId: $articleId) {
        id
        body
        author {
          id
          username
        }
        article {
          id
        }
      }
    }
  `;

  const ADD_COMMENT = urqlGql`
    mutation AddComment($articleId: ID!, $body: String!) {
      addComment(input: { articleId: $articleId, body: $body }) {
        comment {
          id
          body
        }
        errors {
          code
          message
        }
      }
    }
  `;

  test("commentAdded receives a comment added through a mutation, and only on its article", async (t) => {
    const author = await signUp(server.url);
    const commenter = await signUp(server.url);
    const watched = await createWithPost(server.url, author.token);
    const other = await createWithPost(server.url, author.token);
    const { client, live, dispose } = urql(server.url, commenter.token);
    t.after(dispose);
    const received = collector();
    const subscription = client.subscription(COMMENT_ADDED, { articleId: watched.id }).subscribe(received.push);
    t.after(() => subscription.unsubscribe());

    const addComment = async (articleId, body) => {
      const result = await client.mutation(ADD_COMMENT, { articleId, body }).toPromise();
      assert.equal(result.error, undefined);
      assert.deepEqual(result.data.addComment.errors, []);
      return result.data.addComment.comment;
    };
    const addedComment = (result, comment) => result.data?.commentAdded.id === comment.id;

    const { written, seen } = await writeUntilDelivered(
      live,
      received,
      (attempt) => addComment(watched.id, `Live comment ${attempt}`),
      addedComment,
    );
    assert.equal(seen.error, undefined);
    // Graphcache normalized the pushed comment and answers with the selection
    // as written (the `__typename`s it added for itself are not in the result).
    assert.deepEqual(seen.data.commentAdded, {
      id: written.id,
      body: written.body,
      author: { id: commenter.user.id, username: commenter.user.username },
      article: { id: watched.id },
    });

    // Live now; a comment elsewhere committed before the next one here must not show up.
    const elsewhere = await addComment(other.id, "On another article");
    const last = await addComment(watched.id, "Last");
    assert.ok(await received.until((result) => addedComment(result, last), DELIVERY_WAIT_MS * ATTEMPTS));
    assert.ok(!received.results.some((result) => addedComment(result, elsewhere)));
    assert.ok(received.results.every((result) => result.data.commentAdded.article.id === watched.id));
  });
});

describe("two server processes on one database", () => {
  let other;
  before(() => {
    [other] = server.others;
  });

  test("a subscriber on server A receives an article created through server B", async (t) => {
    assert.notEqual(other.url, server.url);
    const author = await signUp(other.url); // a token from B, valid on A too: same secret, same database
    const onA = apollo(server.url, { token: author.token });
    const onB = apollo(other.url, { token: author.token });
    t.after(() => (onA.dispose(), onB.dispose()));
    const received = collector();
    const subscription = onA.client.subscribe({ query: ARTICLE_CREATED }).subscribe(received.push);
    t.after(() => subscription.unsubscribe());

    const { written, seen } = await writeUntilDelivered(
      onA.live,
      received,
      () => createWithApollo(onB.client, ["replicated"]),
      createdArticle,
    );
    assert.equal(seen.data.articleCreated.title, written.title);
    assert.equal(seen.data.articleCreated.author.username, author.user.username);
    assert.deepEqual(seen.data.articleCreated.tags, ["replicated"]);
  });
});
