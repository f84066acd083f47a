/**
 * The `ad.directory` fact (src/ad/probe.ts over LDAP, src/windows/ad-facts.ts through the
 * ActiveDirectory PowerShell module): what the ad.* checks read. Binary values (SIDs in
 * tokenGroups aside) stay base64 for the checks to decode.
 */
import type { SecretProblem } from '../config/secrets.ts';
import type { PsErrorRecord, WindowsErrorCode } from './windows.ts';

/** The step of a connection an AD error happened at. */
export type AdStep = 'discovery' | 'connect' | 'tls' | 'starttls' | 'bind' | 'search';

export type AdErrorCode =
  /** No SRV records, or the DNS server did not answer. */
  | 'dnsFailed'
  | 'refused'
  | 'timeout'
  | 'unreachable'
  /** The certificate chain is not trusted (no or wrong tls.caFile). */
  | 'untrustedCertificate'
  /** The certificate does not name the server (tls.serverName or the URL's host). */
  | 'nameMismatch'
  /** Any other TLS failure (protocol, handshake). */
  | 'tlsFailed'
  /** A simple bind on plain LDAP was refused or the connection reset: the DC wants TLS or signing. */
  | 'strongAuthRequired'
  /** Result 49; the data code says why. */
  | 'invalidCredentials'
  /** The connection dropped after it was set up. */
  | 'connectionLost'
  | 'protocol'
  | 'error';

/** Subject and alternative names of the certificate a server showed. */
export interface CertificateNames {
  readonly subject?: string;
  readonly altNames?: string;
  readonly issuer?: string;
}

/**
 * ENOTFOUND: no such name. ENODATA: the name has no record of the type. ETIMEOUT: no answer in
 * time. ESERVFAIL / EREFUSED: the server answered with that RCODE (EREFUSED also: no server to
 * ask). EBADRESP: a malformed answer. ETRUNCATED: an empty truncated answer. ECONNREFUSED: ICMP
 * port unreachable (nothing on port 53). ENETUNREACH / EHOSTUNREACH: no route to the server.
 * ESOCKET: any other socket error (the query could not be sent).
 */
export type DnsErrorCode =
  | 'ENOTFOUND'
  | 'ENODATA'
  | 'ETIMEOUT'
  | 'ESERVFAIL'
  | 'EREFUSED'
  | 'EBADRESP'
  | 'ETRUNCATED'
  | 'ECONNREFUSED'
  | 'ENETUNREACH'
  | 'EHOSTUNREACH'
  | 'ESOCKET';

/** What one server did with the query, when it gave no usable answer. */
export interface DnsServerFailure {
  readonly server: string;
  readonly code: DnsErrorCode;
  readonly detail: string;
}

/** Where the DNS servers asked came from. */
export type ResolverSource = 'config' | 'system' | 'dc';

/** A query that no DNS server asked could answer, for reasons of the servers (not of the name). */
export interface ResolverFailure {
  readonly source: ResolverSource;
  /** The servers asked, in order. */
  readonly servers: string[];
  /** The code of the last failure (DnsErrorCode). */
  readonly code: DnsErrorCode;
  /** Each server's outcome. */
  readonly failures: DnsServerFailure[];
}

export interface DiscoveredDc {
  /** The SRV target, e.g. dc1.lab.example.test. */
  readonly host: string;
  /** The SRV port (389: LDAP). */
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
  /** IPv4/IPv6 addresses the resolver gave for host (empty when it gave none). */
  readonly addresses: string[];
  /** TCP to the first address on the LDAPS (636) or LDAP (389) port, when tested. */
  readonly reachable?: {
    readonly port: number;
    readonly status: 'ok' | 'refused' | 'timeout' | 'unreachable' | 'noAddress' | 'error';
    readonly ms?: number;
    readonly message?: string;
  };
}

/** A PowerShell run that gave no value, classified (moduleMissing, timeout...) with the cause for ad.connect. */
export interface PsAdFailure {
  readonly script: string;
  readonly code: WindowsErrorCode;
  readonly cause: string;
  readonly module?: string;
  readonly record?: PsErrorRecord;
}

/** What the PowerShell path adds to AdFacts beyond the LDAP path's fields. */
export interface PowerShellSource {
  readonly executable: string;
  /** The directory read failed as a whole (module missing, PowerShell died, no answer...). */
  readonly failure?: PsAdFailure;
}

export interface AdAttempt {
  readonly server: string;
  readonly status: 'ok' | AdErrorCode;
  readonly step?: AdStep;
  readonly message?: string;
  readonly resultCode?: number;
  readonly dataCode?: string;
  readonly certificate?: CertificateNames;
  readonly ms: number;
  /** The PowerShell path: the ActiveDirectory module's error, classified (src/windows/ad-facts.ts). */
  readonly windows?: {
    readonly code: WindowsErrorCode;
    readonly cause: string;
    readonly fullyQualifiedErrorId: string;
    readonly exceptionType: string;
  };
  /** A host name that did not resolve: which resolver failed and how, when it was the resolver. */
  readonly resolver?: ResolverFailure;
}

export interface ComputerObject {
  readonly dn: string;
  readonly sAMAccountName: string;
  readonly dNSHostName: string | null;
  readonly cn: string;
  readonly userAccountControl: number;
  /** ACCOUNTDISABLE (0x2) clear. */
  readonly enabled: boolean;
  readonly objectSid: string | null;
  readonly operatingSystem: string | null;
  readonly whenCreated: string | null;
}

export interface NodeName {
  readonly name: string;
  readonly fqdn: string;
  /** The NetBIOS name Windows derives: the first 15 characters, upper case. */
  readonly netbios: string;
}

export interface OuFact {
  readonly dn: string;
  /** Where the DN came from: the spec's activeDirectory.ou, or the OU most nodes are in. */
  readonly source: 'config' | 'nodes';
  readonly exists: boolean;
  readonly objectClass: string[];
  /** nTSecurityDescriptor, DACL only (SD flags 4), base64. */
  readonly securityDescriptor?: string;
  readonly error?: string;
}

export interface AdFacts {
  readonly domain: string;
  /** Absent: read over LDAP (ldapts). 'powershell': through the ActiveDirectory module as the logged-in user. */
  readonly source?: 'powershell';
  /** The PowerShell path: which PowerShell, and a failure of the read as a whole (module missing...). */
  readonly powershell?: PowerShellSource;
  readonly discovery: {
    readonly source: 'config' | 'srv';
    readonly status: 'ok' | 'failed';
    readonly message?: string;
    readonly dcs: DiscoveredDc[];
    /** The resolvers SRV discovery asked. */ readonly dnsServers?: string[];
    /** A failed lookup the resolver caused (no route, refused, silent, garbage). */ readonly resolverFailure?: ResolverFailure;
  };
  readonly attempts: AdAttempt[];
  readonly connection?: {
    readonly server: string;
    readonly tlsMode: string;
    readonly boundAs: string | null;
    readonly insecure: boolean;
    readonly dnsHostName: string | null;
  };
  readonly rootDse?: Readonly<Record<string, string | string[]>>;
  /** Local clock at the rootDSE read (ISO), to compare with currentTime. */
  readonly localTime?: string;
  readonly domainHead?: {
    readonly dn: string;
    readonly msDSBehaviorVersion: number | null;
    readonly nTMixedDomain: number | null;
    readonly machineAccountQuota: number | null;
  };
  readonly nodes: NodeName[];
  readonly cluster?: NodeName;
  /** Every computer object whose sAMAccountName, dNSHostName or cn names a node or the cluster (computerFilter). */
  readonly computers?: ComputerObject[];
  readonly bindIdentity?:
    | { readonly dn: string; readonly sid: string | null; readonly tokenGroups: string[] }
    | { readonly error: string };
  readonly ou?: OuFact;
  /** The cluster name object's DACL (base64) when it exists (prestaged). */
  readonly cnoSecurityDescriptor?: string;
  readonly dns: {
    readonly node: string;
    readonly fqdn: string;
    readonly addresses: string[];
    readonly error?: string;
    /** The lookup failed because of the resolver, not the name. */ readonly resolverFailure?: ResolverFailure;
  }[];
  readonly dnsServers: string[];
  /** Where dnsServers came from: activeDirectory.dnsServers, the DC connected to, this machine's resolver. */
  readonly dnsSource?: ResolverSource;
  /** LDAP operations sent (StartTLS, rootDSE, bind, each search page); on the PowerShell path, ActiveDirectory cmdlet calls. */
  readonly operations: number;
  readonly readError?: string;
  /** A file or secret the connection needs could not be read (nothing was sent to a DC); `secret` says which reference and why (never a value). */
  readonly setupError?: { readonly key: string; readonly message: string; readonly secret?: SecretProblem };
}

/**
 * How a node's object was found: by the account Windows joins with (`account`: the NetBIOS name
 * and `$`), by its `dnsHostName` (written by the computer once joined), or only by its `name`: a
 * prestaged object without dNSHostName whose cn is the host name, or whose account name is the
 * whole host name and `$`, but whose account name is not the one Windows will look for.
 */
export type MatchedBy = 'account' | 'dnsHostName' | 'name';

export interface NodeMatch {
  readonly object: ComputerObject;
  readonly by: MatchedBy;
}
