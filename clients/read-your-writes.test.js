// Reading one's own writes behind a streaming replica, as an app would set it
// up: Apollo Client with readYourWritesLink, urql with readYourWritesExchange
// (clients/read-your-writes.js). The replica applies commits 300 ms late, so a
// read right after a write that the server sent there would miss it: the
// clients without the link or exchange show that it does.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { Client, fetchExchange } from "@urql/core";

import { HEADER, positionValue, readYourWritesExchange, readYourWritesLink, walPositions } from "./read-your-writes.js";
import { recordingFetch, signUp, startServerWithStreamingReplica } from "./support/server.js";

const CREATE = gql`
  mutation Create($input: CreateArticleInput!) {
    createArticle(input: $input) {
      article {
        id
        title
      }
      errors {
        message
      }
    }
  }
`;

const READ_BACK = gql`
  query ReadBack($id: ID!) {
    node(id: $id) {
      id
      ... on Article {
        title
      }
    }
  }
`;

// A fresh account is read from the primary until the replica has it (the server
// retries a token the replica does not know there); the controls need it replayed.
const replayed = () => new Promise((resolve) => setTimeout(resolve, 600));

const input = (title) => ({ input: { title, description: "About it.", body: "Body.", tags: ["replicas"] } });

function apollo(url, token, links, fetch) {
  const auth = new SetContextLink(({ headers }) => ({ headers: { ...headers, authorization: `Bearer ${token}` } }));
  return new ApolloClient({
    link: ApolloLink.from([auth, ...links, new HttpLink({ uri: url, fetch })]),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: "network-only" } },
  });
}

function urql(url, token, exchanges, fetch) {
  return new Client({
    url,
    exchanges: [...exchanges, fetchExchange],
    fetch,
    requestPolicy: "network-only",
    fetchOptions: { headers: { authorization: `Bearer ${token}` } },
  });
}

describe("read your writes behind a streaming replica", () => {
  let server;
  before(async () => {
    server = await startServerWithStreamingReplica({ REGISTRATIONS_PER_ADDRESS: "100" });
  });
  after(async () => {
    await server?.stop();
  });

  test("positions compare as PostgreSQL's do and only move forward", () => {
    assert.ok(positionValue("0/FFFFFFFF") < positionValue("1/0"));
    const positions = walPositions();
    positions.offer("0/16B3748");
    positions.offer("0/16B3740"); // an older response arriving late
    positions.offer(undefined); // a response without one
    assert.equal(positions.get(), "0/16B3748");
    positions.offer("1/0");
    assert.equal(positions.get(), "1/0");
  });

  test("Apollo Client with the link reads its write at once; without it, the replica does not have it yet", async () => {
    const { token } = await signUp(server.url);
    await replayed();
    const recording = recordingFetch();
    const positions = walPositions();
    const client = apollo(server.url, token, [readYourWritesLink(positions)], recording.fetch);
    for (const n of [1, 2, 3]) {
      const title = `Apollo wrote ${n}`;
      const { data } = await client.mutate({ mutation: CREATE, variables: input(title) });
      const { id } = data.createArticle.article;
      const written = recording.calls.at(-1);
      assert.equal(positions.get(), written.response.extensions.walPosition);

      const read = await client.query({ query: READ_BACK, variables: { id } });
      assert.equal(read.data.node?.title, title);
      assert.equal(recording.calls.at(-1).headers[HEADER], positions.get());

      const plain = apollo(server.url, token, [], fetch);
      const { data: control } = await client.mutate({ mutation: CREATE, variables: input(`${title}, unread`) });
      const stale = await plain.query({ query: READ_BACK, variables: { id: control.createArticle.article.id } });
      assert.equal(stale.data.node, null);
    }
  });

  test("urql with the exchange reads its write at once; without it, the replica does not have it yet", async () => {
    const { token } = await signUp(server.url);
    await replayed();
    const recording = recordingFetch();
    const positions = walPositions();
    const client = urql(server.url, token, [readYourWritesExchange(positions)], recording.fetch);
    const plain = urql(server.url, token, [], fetch);
    for (const n of [1, 2, 3]) {
      const title = `urql wrote ${n}`;
      const written = await client.mutation(CREATE, input(title)).toPromise();
      assert.equal(written.error, undefined);
      assert.equal(positions.get(), written.extensions.walPosition);

      const read = await client.query(READ_BACK, { id: written.data.createArticle.article.id }).toPromise();
      assert.equal(read.data.node?.title, title);
      assert.equal(recording.calls.at(-1).headers[HEADER], positions.get());

      const control = await client.mutation(CREATE, input(`${title}, unread`)).toPromise();
      const stale = await plain.query(READ_BACK, { id: control.data.createArticle.article.id }).toPromise();
      assert.equal(stale.data.node, null);
    }
  });
});
