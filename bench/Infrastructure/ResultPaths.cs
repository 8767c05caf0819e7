namespace Cortex.Mcp.Fast.Bench.Infrastructure;

/// <summary>Where results go: <c>perf-results/</c> of the repository the bench runs from.</summary>
public static class ResultPaths
{
    /// <summary>The repository's perf-results folder (found from the working directory or the binary's location), else ./perf-results.</summary>
    public static string DefaultDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Cortex.Mcp.Fast.sln")))
                {
                    return Path.Combine(dir.FullName, "perf-results");
                }
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "perf-results");
    }

    /// <summary>A file stem named by the UTC time: <c>yyyyMMdd-HHmmss-suffix</c>.</summary>
    public static string Stem(DateTimeOffset utc, string suffix) =>
        utc.UtcDateTime.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-" + suffix;
}
