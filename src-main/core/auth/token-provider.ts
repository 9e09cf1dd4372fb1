/**
 * What every sign-in (app credentials or a delegated user) hands to Graph: a token, and
 * what it grants. Graph and the services depend on these types, never on a flow.
 */
export interface AccessToken {
  accessToken: string;
  expiresOn: Date;
}

export interface GetTokenOptions {
  signal?: AbortSignal;
  forceRefresh?: boolean;
}

export interface TokenProvider {
  getToken(opts?: GetTokenOptions): Promise<AccessToken>;
}

/** What an access token grants, read from its claims. */
export interface TokenInfo {
  tenantId: string;
  /** Application permissions (`roles` claim) of an app-only token. */
  roles: string[];
  /** Delegated scopes (`scp` claim), empty for app-only tokens. */
  scopes: string[];
  expiresOn: Date;
}
