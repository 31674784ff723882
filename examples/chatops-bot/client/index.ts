// swarmgate's typed GraphQL client, for any service: the typed documents generated from ./operations/*.graphql and
// the schema (`npm run codegen`), and the transport that runs them. Add an operation to ./operations/, run codegen,
// and its `<Name>Document` is here with its variables and result types.
export * from './generated/documents.ts';
export * from './transport.ts';
