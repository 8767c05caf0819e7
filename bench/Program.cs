using BenchmarkDotNet.Running;

namespace Cortex.Mcp.Fast.Bench;

/// <summary>Entry point: <c>micro</c> runs the BenchmarkDotNet suites.</summary>
public static class Program
{
    /// <summary>Runs the command named by the first argument.</summary>
    public static int Main(string[] args)
    {
        var rest = args.Length > 0 && args[0] == "micro" ? args[1..] : args;
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest);
        return 0;
    }
}
