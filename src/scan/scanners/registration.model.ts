import type { Filters, Sort } from '../../domain/query.js';

/** A scanner registration (Harbor's /scanners): the built-in scanner, or an external adapter. */
export interface ScannerRegistration {
  readonly uuid: string;
  readonly name: string;
  readonly description: string;
  /** The adapter's base URL (`builtin:berth` for the built-in scanner). */
  readonly url: string;
  /** '', 'Basic', 'Bearer' or 'X-ScannerAdapter-API-Key': how Berth authenticates to the adapter. */
  readonly auth: string;
  readonly accessCredential: string;
  readonly skipCertVerify: boolean;
  readonly useInternalAddr: boolean;
  readonly disabled: boolean;
  readonly isDefault: boolean;
  /** The built-in registration: neither changed nor removed. */
  readonly immutable: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface RegistrationInput {
  readonly name: string;
  readonly description?: string | undefined;
  readonly url: string;
  readonly auth?: string | undefined;
  readonly access_credential?: string | undefined;
  readonly skip_certVerify?: boolean | undefined;
  readonly use_internal_addr?: boolean | undefined;
  readonly disabled?: boolean | undefined;
}

/** What a registration list filters and sorts by (Harbor's scanner_registration columns). */
export type RegistrationField =
  | 'uuid'
  | 'name'
  | 'description'
  | 'url'
  | 'auth'
  | 'disabled'
  | 'isDefault'
  | 'skipCertVerify'
  | 'useInternalAddr'
  | 'immutable'
  | 'createdAt'
  | 'updatedAt';

export interface RegistrationQuery {
  readonly filters: Filters<RegistrationField>;
  /** Harbor's order when none is asked for: the default first, then the newest. */
  readonly sorts: readonly Sort<RegistrationField>[];
  readonly page: number;
  readonly pageSize: number;
}
