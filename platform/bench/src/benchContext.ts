/** What a benchmark gets: the stack to run against and where to write its JSON lines. */
export type BenchContext = {
  readonly stack: {
    readonly kafkaBrokers: string;
    readonly schemaRegistryUrl: string;
    readonly mongoUrl: string;
    readonly cacheDir: string;
  };
  /** Folder with the Kafka jars' classpath (for Java baselines such as ProducerPerformance). */
  readonly kafkaClasspath: () => Promise<string>;
};

/** A benchmark module's default export. */
export type Bench = (report: (line: Record<string, unknown>) => void, context: BenchContext) => Promise<void>;
