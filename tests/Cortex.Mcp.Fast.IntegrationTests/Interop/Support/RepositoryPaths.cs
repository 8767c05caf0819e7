namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Support;

/// <summary>Finds the repository from the test assembly's folder (no machine paths in the code).</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The folder that holds Cortex.Mcp.Fast.sln.</summary>
    public static string Root => s_root.Value;

    /// <summary>tests/interop: the node package with the pinned reference server.</summary>
    public static string Interop => Path.Combine(Root, "tests", "interop");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cortex.Mcp.Fast.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Cannot find Cortex.Mcp.Fast.sln above the test output folder '{AppContext.BaseDirectory}'.");
    }
}
