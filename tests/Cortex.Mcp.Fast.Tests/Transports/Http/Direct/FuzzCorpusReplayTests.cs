using System.Diagnostics;
using Cortex.Mcp.Fast.TestSupport;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Direct;

/// <summary>
/// CI's share of the fuzzing (issue 9): every committed corpus input of tests/Cortex.Mcp.Fast.Fuzz goes through the
/// same target the AFL++ harness runs, in-process. A protocol refusal is the expected answer to bad input; any other
/// exception, or an input taking over a second, is a defect.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    private static readonly string s_corpus = Path.Combine(AppContext.BaseDirectory, "FuzzCorpus");

    [Fact]
    public void Corpus_EveryInput_RefusedTypedOrReadWithinASecond()
    {
        string[] files = Directory.GetFiles(s_corpus).Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length >= 30, $"Expected the committed corpus in {s_corpus}, found {files.Length} files.");

        var failures = new List<string>();
        var total = Stopwatch.StartNew();
        foreach (string file in files)
        {
            byte[] input = File.ReadAllBytes(file);
            var one = Stopwatch.StartNew();
            try
            {
                Http1FuzzTarget.Run(input);
            }
#pragma warning disable CA1031 // Every escaping exception is reported, with its input.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Add($"{Path.GetFileName(file)}: {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            if (one.Elapsed > TimeSpan.FromSeconds(1))
            {
                failures.Add($"{Path.GetFileName(file)}: took {one.Elapsed.TotalMilliseconds:F0} ms");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(total.Elapsed < TimeSpan.FromSeconds(30), $"The replay took {total.Elapsed.TotalSeconds:F1} s.");
    }

    [Fact]
    public void Target_ValidAndHostileSamples_OnlyTypedRefusals()
    {
        // The target itself must tell a defect from a refusal: a clean response, a refused one, and a truncated one
        // all return normally.
        Http1FuzzTarget.Run("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"u8.ToArray());
        Http1FuzzTarget.Run("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray());
        Http1FuzzTarget.Run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe"u8.ToArray());
        Http1FuzzTarget.Run([]);
    }

    [Theory]
    [InlineData("valid-cl-json", "200 ContentLength cl=13 keepAlive=True body=13 after=0 type=application/json session=")]
    [InlineData("valid-chunked-ext-trailer", "200 Chunked cl=-1 keepAlive=True body=11 after=0 type= session=")]
    [InlineData("valid-100-then-200", "200 ContentLength cl=2 keepAlive=True body=2 after=0 type= session=")]
    [InlineData("valid-close-delimited", "200 CloseDelimited cl=-1 keepAlive=False body=17 after=0 type=application/json session=")]
    [InlineData("valid-204", "204 None cl=5 keepAlive=True body=0 after=0 type= session=")]
    [InlineData("hostile-cl-and-te", null)]
    [InlineData("hostile-bare-lf-head", null)]
    [InlineData("trunc-chunk-data", null)]
    public void Describe_CorpusSample_ReadsWhatTheBytesSay(string file, string? expected)
    {
        // The harness reads responses, not just survives them: a few corpus inputs with their known outcome.
        Assert.Equal(expected, Http1FuzzTarget.Describe(File.ReadAllBytes(Path.Combine(s_corpus, file))));
    }
}
