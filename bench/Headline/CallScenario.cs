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

    /// <summary>
    /// Called by the runner before each warm-up and measurement of this scenario, outside the measured window: a
    /// contender that turns on something process-wide (an OpenTelemetry listener) does it here, so that it is on
    /// only while this contender runs.
    /// </summary>
    public virtual ValueTask BeginRoundAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Called by the runner after each warm-up and measurement, even a failed one: undoes <see cref="BeginRoundAsync"/>.</summary>
    public virtual ValueTask EndRoundAsync() => ValueTask.CompletedTask;

    public abstract ValueTask DisposeAsync();
}
