// Reading one's own writes behind read replicas (docs/replicas.md): every
// mutation's response carries the primary's WAL position past its commit in
// `extensions.walPosition` (and the X-WAL-Position header); a request that
// sends the latest one back as X-WAL-Position is read where that position is
// replayed, so it always sees the writes before it. These are the few lines
// an app copies: one place remembers the position, a link (Apollo Client) or
// an exchange (urql) sends and updates it, and a WebSocket can name it in
// connection_init ({ walPosition }).
import { ApolloLink } from "@apollo/client";
import { makeOperation, mapExchange } from "@urql/core";
import { map } from "rxjs";

export const HEADER = "x-wal-position";

/** A WAL position ("16/B374D848", as PostgreSQL prints it) as a number, to compare two. */
export function positionValue(position) {
  const [high, low] = position.split("/");
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/** The latest position seen: responses may arrive out of order, so it only moves forward. */
export function walPositions() {
  let latest = null;
  return {
    get: () => latest,
    offer(position) {
      if (typeof position === "string" && (latest === null || positionValue(position) > positionValue(latest))) {
        latest = position;
      }
    },
  };
}

/** Apollo Client: put it before the HttpLink. */
export function readYourWritesLink(positions) {
  return new ApolloLink((operation, forward) => {
    const position = positions.get();
    if (position !== null) {
      operation.setContext(({ headers = {} }) => ({ headers: { ...headers, [HEADER]: position } }));
    }
    return forward(operation).pipe(
      map((result) => {
        positions.offer(result.extensions?.walPosition);
        return result;
      }),
    );
  });
}

/** urql: put it before the fetchExchange (and after the cache exchange). */
export function readYourWritesExchange(positions) {
  return mapExchange({
    onOperation(operation) {
      const position = positions.get();
      if (position === null) return operation;
      const options =
        typeof operation.context.fetchOptions === "function"
          ? operation.context.fetchOptions()
          : operation.context.fetchOptions ?? {};
      const fetchOptions = { ...options, headers: { ...options.headers, [HEADER]: position } };
      return makeOperation(operation.kind, operation, { ...operation.context, fetchOptions });
    },
    onResult(result) {
      positions.offer(result.extensions?.walPosition);
    },
  });
}
