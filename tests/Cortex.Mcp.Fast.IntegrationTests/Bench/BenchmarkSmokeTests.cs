using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Cortex.Mcp.Fast.IntegrationTests.Bench;

/// <summary>
/// Runs every BenchmarkDotNet benchmark once, in process, for every value of its parameters, so the suites cannot
/// rot: setup, the benchmark body (which checks its own result) and cleanup must all succeed. Not a measurement.
/// </summary>
public sealed class BenchmarkSmokeTests
{
    public static TheoryData<string> BenchmarkClasses()
    {
        var data = new TheoryData<string>();
        foreach (var name in BenchmarkClassNames())
        {
            data.Add(name);
        }

        return data;
    }

    private static List<string> BenchmarkClassNames() =>
        typeof(Cortex.Mcp.Fast.Bench.Program).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
            .Select(t => t.FullName!)
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void Suites_CoverTheParserBreakerAndDispatcher()
    {
        var names = BenchmarkClassNames();
        Assert.Contains(names, n => n.EndsWith("SseParserBenchmarks", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith("CircuitBreakerBenchmarks", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith("DispatcherBenchmarks", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(BenchmarkClasses))]
    public async Task EveryBenchmark_RunsOnceForEveryParameterValue(string typeName)
    {
        var type = typeof(Cortex.Mcp.Fast.Bench.Program).Assembly.GetType(typeName)!;
        var parameters = type.GetProperties()
            .Select(p => (Property: p, Values: p.GetCustomAttribute<ParamsAttribute>()?.Values))
            .Where(p => p.Values is not null)
            .ToList();
        var combinations = parameters.Aggregate(
            (IEnumerable<List<(PropertyInfo, object?)>>)[[]],
            (acc, p) => acc.SelectMany(list => p.Values!.Select(v => new List<(PropertyInfo, object?)>(list) { (p.Property, v) })));
        var benchmarks = type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).ToList();
        var runs = 0;
        foreach (var combination in combinations)
        {
            var instance = Activator.CreateInstance(type)!;
            foreach (var (property, value) in combination)
            {
                property.SetValue(instance, value);
            }

            await InvokeAll<GlobalSetupAttribute>(type, instance);
            try
            {
                foreach (var benchmark in benchmarks)
                {
                    await InvokeAll<IterationSetupAttribute>(type, instance);
                    await Await(benchmark.Invoke(instance, null));
                    runs++;
                }
            }
            finally
            {
                await InvokeAll<GlobalCleanupAttribute>(type, instance);
            }
        }

        Assert.True(runs >= benchmarks.Count, $"{typeName}: ran {runs} of {benchmarks.Count} benchmarks");
    }

    private static async Task InvokeAll<TAttribute>(Type type, object instance)
        where TAttribute : Attribute
    {
        foreach (var method in type.GetMethods().Where(m => m.GetCustomAttribute<TAttribute>() is not null))
        {
            await Await(method.Invoke(instance, null));
        }
    }

    private static async Task Await(object? result)
    {
        switch (result)
        {
            case Task task:
                await task.WaitAsync(TimeSpan.FromSeconds(60));
                break;
            case ValueTask valueTask:
                await valueTask.AsTask().WaitAsync(TimeSpan.FromSeconds(60));
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        if (result?.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            await ((Task)type.GetMethod("AsTask")!.Invoke(result, null)!).WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}
