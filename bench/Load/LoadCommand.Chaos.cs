
namespace Cortex.Mcp.Fast.Bench.Load;

public static partial class LoadCommand
{
    /// <summary>Runs a chaos soak (<c>load --chaos</c>): prints one verdict per invariant, writes
    /// <c>-chaos.{md,json}</c>, and returns <see cref="ExitGateFailed"/> when an invariant failed.</summary>
    public static async Task<int> RunChaosAsync(ChaosSoakSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            settings.Validate();
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("load --chaos: " + ex.Message).ConfigureAwait(false);
            return ExitSetupFailed;
        }

        var result = await new ChaosSoak(settings) { Log = Console.WriteLine }.RunAsync(cancellationToken).ConfigureAwait(false);
        foreach (var verdict in result.Verdicts)
        {
            Console.WriteLine($"{(verdict.Passed ? "pass" : "FAIL")}  {verdict.Name}: {verdict.Detail}");
        }

        if (settings.OutputDirectory is { } directory)
        {
            Console.WriteLine("Wrote " + ChaosReport.Write(result, directory) + ", .json");
        }

        Console.WriteLine(result.Passed ? "passed" : "FAILED");
        return result.Passed ? ExitPassed : ExitGateFailed;
    }
}
