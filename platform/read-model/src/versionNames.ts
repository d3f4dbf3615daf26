/**
 * What one version of a read model is called in its database and on Kafka. Version 1 keeps the names a read model
 * had before it was versioned (its collections and its consumer group as configured), so an existing deployment is
 * its version 1; a rebuild N is `<collection>_vN` and `<group>.vN`.
 */
export type VersionNames = {
  readonly version: number;
  readonly groupId: string;
  readonly collection: (base: string) => string;
};

export const versionNames = (groupId: string, version: number): VersionNames => ({
  version,
  groupId: version === 1 ? groupId : `${groupId}.v${version}`,
  collection: (base) => (version === 1 ? base : `${base}_v${version}`),
});
