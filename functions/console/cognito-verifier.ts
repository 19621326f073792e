/**
 * Verifying the console's Cognito ID tokens (aws-jwt-verify: the pool's
 * JWKS, signature, issuer, audience, expiry, `token_use: id`), and finding
 * the console's app client id by its name. The client is looked up, not
 * told: its callback URL names the CloudFront distribution, whose origin is
 * the API, whose integration is the function — telling the function the
 * client id would close that circle.
 */
import { CognitoIdentityProviderClient, ListUserPoolClientsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { ENV, requireEnv } from '#shared/config/env.ts';
import { ConfigError } from '#shared/errors.ts';
import type { IdClaims } from './cognito-auth.ts';

/** The id of the pool's app client named `name` (pages through every client). */
export async function findClientId(cognito: CognitoIdentityProviderClient, userPoolId: string, name: string): Promise<string> {
  let NextToken: string | undefined;
  do {
    const page = await cognito.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken }));
    const found = page.UserPoolClients?.find((c) => c.ClientName === name)?.ClientId;
    if (found !== undefined) return found;
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  throw new ConfigError(`the user pool ${userPoolId} has no app client named ${name}`);
}

/** A verifier of the pool's ID tokens for the client `clientId` resolves to (looked up once). */
export function idTokenVerifier(userPoolId: string, clientId: () => Promise<string>): (token: string) => Promise<IdClaims> {
  const verifier = once(async () => CognitoJwtVerifier.create({ userPoolId, tokenUse: 'id', clientId: await clientId() }));
  return async (token) => (await (await verifier()).verify(token)) as unknown as IdClaims;
}

/** Memoises a lookup; a failed one is tried again next time. */
export function once<T>(get: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= get().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

/** The console's app client (its id looked up once by name) and a verifier of its ID tokens, from a function's environment. */
export function consoleClient(env: Readonly<Record<string, string | undefined>>): { clientId: () => Promise<string>; verify: (token: string) => Promise<IdClaims> } {
  const userPoolId = requireEnv(env, ENV.consoleUserPoolId);
  const clientName = requireEnv(env, ENV.consoleClientName);
  const cognito = new CognitoIdentityProviderClient({});
  const clientId = once(() => findClientId(cognito, userPoolId, clientName));
  return { clientId, verify: idTokenVerifier(userPoolId, clientId) };
}
