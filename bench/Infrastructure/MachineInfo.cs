using System.Runtime.InteropServices;

namespace Cortex.Mcp.Fast.Bench.Infrastructure;

/// <summary>The machine line every result carries: cores, OS, .NET version and the UTC date.</summary>
public sealed record MachineInfo(int Cores, string Os, string DotNet, DateTimeOffset Date)
{
    public static MachineInfo Current(TimeProvider timeProvider) =>
        new(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, timeProvider.GetUtcNow());

    public string Line => $"{Cores} cores, {Os}, {DotNet}, {Date:yyyy-MM-dd HH:mm} UTC";
}
