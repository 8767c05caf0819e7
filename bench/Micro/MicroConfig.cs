using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Validators;

namespace Cortex.Mcp.Fast.Bench.Micro;

/// <summary>
/// A modest job sized for a shared 2-core machine: enough iterations for stable medians, short enough that a suite
/// takes minutes. Reports medians, allocations and GitHub markdown.
/// </summary>
public sealed class MicroConfig : ManualConfig
{
    public MicroConfig()
    {
        AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.OperationsPerSecond);
        AddExporter(MarkdownExporter.GitHub);
        AddValidator(JitOptimizationsValidator.FailOnError);
    }
}
