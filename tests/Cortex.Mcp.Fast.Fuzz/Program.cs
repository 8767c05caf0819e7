using System.Diagnostics;
using Cortex.Mcp.Fast.TestSupport;
using SharpFuzz;

// Without arguments: the AFL++ target (run under afl-fuzz after `dotnet sharpfuzz` instrumented the library).
// With --replay DIR: every file in DIR through the same target in-process, no AFL; exit 1 on any defect.
if (args.Length == 2 && args[0] == "--replay")
{
    return Replay(args[1]);
}

if (args.Length != 0)
{
    Console.Error.WriteLine("usage: Cortex.Mcp.Fast.Fuzz [--replay DIR]");
    return 2;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    Http1FuzzTarget.Run(buffer.ToArray());
});
return 0;

static int Replay(string directory)
{
    var failures = 0;
    var files = Directory.GetFiles(directory).Order(StringComparer.Ordinal).ToArray();
    var total = Stopwatch.StartNew();
    foreach (var file in files)
    {
        var input = File.ReadAllBytes(file);
        var one = Stopwatch.StartNew();
        try
        {
            Http1FuzzTarget.Run(input);
        }
#pragma warning disable CA1031 // Anything escaping the target is the finding this mode reports.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failures++;
            Console.Error.WriteLine($"FAIL {file}: {ex}");
            continue;
        }

        if (one.Elapsed > TimeSpan.FromSeconds(1))
        {
            failures++;
            Console.Error.WriteLine($"SLOW {file}: {one.Elapsed.TotalMilliseconds:F0} ms");
        }
    }

    Console.WriteLine($"{files.Length} inputs, {failures} failed, {total.Elapsed.TotalMilliseconds:F0} ms");
    return failures == 0 ? 0 : 1;
}
