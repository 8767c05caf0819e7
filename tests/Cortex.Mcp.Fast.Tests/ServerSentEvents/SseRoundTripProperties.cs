using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cortex.Mcp.Fast.Tests.ServerSentEvents;

/// <summary>
/// Round trip (STYLE habit 9): format any list of blocks, cut the bytes at arbitrary points, parse over every source,
/// and get exactly the events, last event id and reconnection time a model of the spec predicts.
/// </summary>
public sealed class SseRoundTripProperties
{
    [Property(MaxTest = 300, Arbitrary = [typeof(SseScriptArbitrary)])]
    public void Parse_FormattedBlocksCutAnywhere_YieldsModelEvents(SseScript script)
    {
        byte[] bytes = script.Format();
        SseParseResult expected = script.Expected();
        List<byte[]> chunks = SseTestHarness.CutAt(bytes, script.Cuts);

        foreach (SseSourceKind source in Enum.GetValues<SseSourceKind>())
        {
            SseParseResult actual = SseTestHarness.ParseChunksAsync(chunks, source).GetAwaiter().GetResult();

            Assert.Equal(expected.Events, actual.Events);
            Assert.Equal(expected.LastEventId, actual.LastEventId);
            Assert.Equal(expected.ReconnectionInterval, actual.ReconnectionInterval);
        }
    }
}

/// <summary>One block of fields ended by a blank line (or, for the tail, not ended).</summary>
public sealed record SseBlock(
    IReadOnlyList<string> Comments, string? EventType, string? Id, string? Retry, IReadOnlyList<string> DataLines, bool Compact);

/// <summary>A generated stream: blocks, an unfinished tail, the line ending, a BOM, and where to cut the bytes.</summary>
public sealed record SseScript(
    IReadOnlyList<SseBlock> Blocks, SseBlock? Tail, bool TailEndsLine, SseNewline Newline, bool Bom, IReadOnlyList<int> Cuts)
{
    private const long MaxRetryMilliseconds = long.MaxValue / TimeSpan.TicksPerMillisecond;

    public byte[] Format()
    {
        string nl = Newline switch { SseNewline.Lf => "\n", SseNewline.Cr => "\r", _ => "\r\n" };
        var text = new StringBuilder();
        if (Bom)
        {
            text.Append('\uFEFF');
        }

        foreach (SseBlock block in Blocks)
        {
            foreach (string line in Lines(block))
            {
                text.Append(line).Append(nl);
            }

            text.Append(nl);
        }

        if (Tail is not null)
        {
            // An unfinished block: the stream ends before its blank line, perhaps mid-line.
            List<string> lines = Lines(Tail).ToList();
            text.AppendJoin(nl, lines);
            if (TailEndsLine && lines.Count > 0)
            {
                text.Append(nl);
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public SseParseResult Expected()
    {
        var events = new List<SseTestEvent>();
        string lastId = "";
        TimeSpan? retry = null;
        foreach (SseBlock block in Blocks)
        {
            retry = ApplyRetry(block.Retry, retry);
            if (block.Id is not null && !block.Id.Contains('\0', StringComparison.Ordinal))
            {
                lastId = block.Id;
            }

            if (block.DataLines.Count > 0)
            {
                string type = string.IsNullOrEmpty(block.EventType) ? "message" : block.EventType;
                events.Add(new SseTestEvent(type, string.Join('\n', block.DataLines), lastId));
            }
        }

        // A retry takes effect as soon as its line ends, even in the unfinished tail (where it is the last line);
        // nothing else of the tail counts.
        if (Tail is not null && TailEndsLine)
        {
            retry = ApplyRetry(Tail.Retry, retry);
        }

        return new SseParseResult(events, lastId, retry);
    }

    public override string ToString() => $"{Newline} bom={Bom} cuts=[{string.Join(',', Cuts)}] bytes=\"{Escape(Encoding.UTF8.GetString(Format()))}\"";

    // Any run of digits is valid; one past what a TimeSpan holds is the largest interval.
    private static TimeSpan? ApplyRetry(string? value, TimeSpan? current) =>
        value is not { Length: > 0 } || !value.All(char.IsAsciiDigit)
            ? current
            : System.Numerics.BigInteger.Parse(value, System.Globalization.CultureInfo.InvariantCulture) is var ms && ms <= MaxRetryMilliseconds
                ? TimeSpan.FromTicks((long)ms * TimeSpan.TicksPerMillisecond)
                : TimeSpan.MaxValue;

    private static IEnumerable<string> Lines(SseBlock block)
    {
        foreach (string comment in block.Comments)
        {
            yield return ":" + comment;
        }

        if (block.EventType is not null)
        {
            yield return Field(block, "event", block.EventType);
        }

        if (block.Id is not null)
        {
            yield return Field(block, "id", block.Id);
        }

        // Retry last, so that in the tail its line ends exactly when the tail ends its last line.
        foreach (string data in block.DataLines)
        {
            yield return Field(block, "data", data);
        }

        if (block.Retry is not null)
        {
            yield return Field(block, "retry", block.Retry);
        }
    }

    private static string Field(SseBlock block, string name, string value) =>
        !block.Compact ? $"{name}: {value}"
        : value.Length == 0 ? name
        : value[0] == ' ' ? $"{name}: {value}"
        : $"{name}:{value}";

    private static string Escape(string s) =>
        s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
}

/// <summary>FsCheck generators for <see cref="SseScript"/>.</summary>
public static class SseScriptArbitrary
{
    private static readonly string[] Fragments = ["a", "B", "7", " ", "  ", ":", ": ", "é", "日本", "🌍", "{\"k\":1}", "\t", "data", "id", "\uFEFF"];

    public static Arbitrary<SseScript> Script()
    {
        Gen<string> text = Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(Gen.Elements(Fragments), n)).Select(string.Concat);
        Gen<string> id = Gen.Frequency((6, text), (1, text.Select(t => t + "\0x")), (1, Gen.Constant("")));
        Gen<string> retry = Gen.OneOf(
            Gen.Choose(0, 100000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Elements("0", "922337203685477", "922337203685478", "99999999999999999999", "-1", "1.5", " 5", "", "12a"));
        Gen<SseBlock> block =
            from comments in Gen.Choose(0, 2).SelectMany(n => Gen.ListOf(text, n))
            from eventType in Gen.OrNull(text)
            from blockId in Gen.Frequency((1, id.Select(v => (string?)v)), (2, Gen.Constant<string?>(null)))
            from blockRetry in Gen.Frequency((1, retry.Select(v => (string?)v)), (4, Gen.Constant<string?>(null)))
            from data in Gen.Frequency((1, Gen.Constant(0)), (5, Gen.Choose(1, 4))).SelectMany(n => Gen.ListOf(text, n))
            from compact in Gen.Elements(true, false)
            select new SseBlock(comments, eventType, blockId, blockRetry, data, compact);
        Gen<SseScript> script =
            from blocks in Gen.Choose(0, 8).SelectMany(n => Gen.ListOf(block, n))
            from tail in Gen.OrNull(block)
            from tailEndsLine in Gen.Elements(true, false)
            from newline in Gen.Elements(Enum.GetValues<SseNewline>())
            from bom in Gen.Elements(true, false)
            from cuts in Gen.Choose(0, 30).SelectMany(n => Gen.ListOf(Gen.Choose(0, int.MaxValue), n))
            select new SseScript(blocks, tail, tailEndsLine, newline, bom, cuts);
        return Arb.From(script);
    }
}
