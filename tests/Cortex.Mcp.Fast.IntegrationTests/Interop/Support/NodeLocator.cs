namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Support;

/// <summary>Finds the node executable: the NODE variable if set, otherwise the first on PATH.</summary>
internal static class NodeLocator
{
    public static string? Find()
    {
        var explicitPath = Environment.GetEnvironmentVariable("NODE");
        if (!string.IsNullOrEmpty(explicitPath) && File.Exists(explicitPath))
        {
            return explicitPath;
        }

        var names = OperatingSystem.IsWindows() ? new[] { "node.exe" } : ["node"];
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
