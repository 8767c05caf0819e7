using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>Parses the weighted tool mix of <c>--mix</c> (<c>echo=3,add=1</c>) or <c>--mix-file</c> (a JSON array of
/// <c>{"tool": NAME, "weight": W, "args": {…}}</c>).</summary>
public static class LoadMix
{
    /// <summary>The largest weight of one tool.</summary>
    public const int MaxWeight = 1000;

    /// <summary>The largest sum of weights (the length of one interleaved cycle).</summary>
    public const int MaxTotalWeight = 10_000;

    /// <summary>
    /// The mix from <paramref name="text"/> (every tool called with <paramref name="sharedArguments"/>) or from
    /// <paramref name="file"/>; empty when neither is given. False with a message on a bad entry.
    /// </summary>
    public static bool TryParse(string? text, FileInfo? file, ReadOnlyMemory<byte> sharedArguments, out IReadOnlyList<LoadToolWeight> mix, out string problem)
    {
        mix = [];
        problem = string.Empty;
        var entries = new List<LoadToolWeight>();
        if (text is not null)
        {
            foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
            {
                var equals = part.LastIndexOf('=');
                if (equals <= 0 || !int.TryParse(part.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
                {
                    problem = $"--mix: '{part}' is not TOOL=WEIGHT.";
                    return false;
                }

                entries.Add(new LoadToolWeight(part[..equals].Trim(), weight, sharedArguments));
            }
        }
        else if (file is not null && !TryRead(file, entries, out problem))
        {
            return false;
        }

        if (entries.Count == 0)
        {
            if (text is not null || file is not null)
            {
                problem = "the mix is empty.";
                return false;
            }

            return true;
        }

        if (entries.FirstOrDefault(e => e.Tool.Length == 0 || e.Weight is < 1 or > MaxWeight) is { } bad)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"mix entry '{bad.Tool}': a tool name and a weight between 1 and {MaxWeight}.");
            return false;
        }

        if (entries.GroupBy(e => e.Tool, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            problem = $"mix: tool '{twice.Key}' is listed twice.";
            return false;
        }

        if (entries.Sum(e => e.Weight) > MaxTotalWeight)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"mix: the weights add up to more than {MaxTotalWeight}.");
            return false;
        }

        mix = entries;
        return true;
    }

    private static bool TryRead(FileInfo file, List<LoadToolWeight> entries, out string problem)
    {
        problem = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file.FullName));
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                problem = "--mix-file: expected a JSON array.";
                return false;
            }

            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("tool", out var tool) || tool.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("weight", out var weight) || !weight.TryGetInt32(out var w))
                {
                    problem = "--mix-file: every entry needs \"tool\" (a string) and \"weight\" (an integer).";
                    return false;
                }

                var arguments = "{}"u8.ToArray();
                if (item.TryGetProperty("args", out var args))
                {
                    if (args.ValueKind != JsonValueKind.Object)
                    {
                        problem = $"--mix-file: \"args\" of '{tool.GetString()}' must be a JSON object.";
                        return false;
                    }

                    arguments = Encoding.UTF8.GetBytes(args.GetRawText());
                }

                entries.Add(new LoadToolWeight(tool.GetString()!, w, arguments));
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            problem = "cannot use --mix-file: " + ex.Message;
            return false;
        }
    }
}
