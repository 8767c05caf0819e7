namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>One contender: makes one tool call (the same small <c>echo</c> call for all) and throws on failure.</summary>
public abstract class CallScenario : IAsyncDisposable
{
    /// <summary>The small arguments object every contender sends.</summary>
    public const string ArgumentsJson = """{"text":"hello from the bench","n":42}""";

    protected CallScenario(string name, string baseline)
    {
        Name = name;
        Baseline = baseline;
    }

    /// <summary>The scenario's fixed name (issue 5).</summary>
    public string Name { get; }

    /// <summary>The scenario this one is compared against (its own name for a baseline).</summary>
    public string Baseline { get; }

    public abstract ValueTask CallAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
