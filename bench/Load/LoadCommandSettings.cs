namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>The load command's values after parsing (see <see cref="LoadCommand.Create"/> for their meaning).</summary>
public sealed class LoadCommandSettings
{
    public Uri? Target { get; init; }

    public McpProtocol Protocol { get; init; } = McpProtocol.Rest;

    public string Tool { get; init; } = "echo";

    public string? ArgumentsJson { get; init; }

    public FileInfo? ArgumentsFile { get; init; }

    public string? TokenVariable { get; init; }

    public double? Rate { get; init; }

    public int? Concurrency { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    public int MaxOutstanding { get; init; } = 10_000;

    public int? Workers { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public int Retries { get; init; }

    public int LatencyMs { get; init; }

    public double ErrorRate { get; init; }

    public int ErrorStatus { get; init; } = 503;

    public int StallMs { get; init; }

    public int? StallAfterMs { get; init; }

    public bool InProcess { get; init; }

    public int Seed { get; init; } = 1;

    public string OutputDirectory { get; init; } = "perf-results";

    public double MaxErrorRate { get; init; } = LoadCommand.DefaultMaxErrorRate;

    public double? MaxP99Micros { get; init; }

    public IReadOnlyList<string> Headers { get; init; } = [];

    public FileInfo? CaFile { get; init; }

    public bool Insecure { get; init; }

    public TimeSpan Ramp { get; init; }

    public string? Mix { get; init; }

    public FileInfo? MixFile { get; init; }

    public QueueFullMode QueueMode { get; init; } = QueueFullMode.Shed;
}
