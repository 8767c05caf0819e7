using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Cortex.Mcp.Fast.IntegrationTests.Interop.Support;

namespace Cortex.Mcp.Fast.IntegrationTests.Conformance;

/// <summary>
/// Runs the official MCP conformance suite (<c>@modelcontextprotocol/conformance</c>, pinned in
/// tests/conformance/package.json) on the Node.js 22 installed beside it by the npm <c>node</c> package, against our
/// client program (tests/conformance, copied beside the tests by the project reference).
/// </summary>
/// <remarks>
/// <para>The suite starts a test server per scenario and runs <c>--command</c> with the server's URL appended, through
/// a shell, after splitting the command at spaces; so the command names the client by file name and runs in the
/// folder that holds it, and the dotnet host is taken from PATH if its own path has a space.</para>
/// <para>Every run is bounded: the suite kills the client after <see cref="ClientTimeout"/>, and this class kills the
/// suite's whole process tree after <see cref="RunTimeout"/>.</para>
/// </remarks>
internal static partial class ConformanceSuite
{
    /// <summary>How long the suite lets the client run (its --timeout): startup of a cold dotnet on a busy machine included.</summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(45);

    /// <summary>How long one suite run may take in all before it is killed.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    private const string ClientAssembly = "Cortex.Mcp.Fast.Conformance.dll";

    /// <summary>tests/conformance: the client program's sources and the suite's node package.</summary>
    public static string Folder => Path.Combine(RepositoryPaths.Root, "tests", "conformance");

    /// <summary>Runs one client scenario and reads its verdict.</summary>
    public static async Task<(ConformanceRun Run, string Output)> RunClientScenarioAsync(string scenario)
    {
        var clientFolder = AppContext.BaseDirectory;
        if (!File.Exists(Path.Combine(clientFolder, ClientAssembly)))
        {
            throw new InvalidOperationException($"{ClientAssembly} is not beside the tests in '{clientFolder}': the project reference to tests/conformance copies it.");
        }

        var results = Directory.CreateTempSubdirectory("cortex-conformance-");
        try
        {
            var suite = await RunSuiteAsync(clientFolder,
            [
                "client",
                "--command", $"{DotnetHost()} {ClientAssembly}",
                "--scenario", scenario,
                "--timeout", ((int)ClientTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                "--output-dir", results.FullName,
            ]);

            // The suite writes <output-dir>/<scenario>-<timestamp>/checks.json.
            var checksFile = Directory.EnumerateFiles(results.FullName, "checks.json", SearchOption.AllDirectories).FirstOrDefault();
            var checks = checksFile is null ? null : ConformanceCheck.ParseAll(await File.ReadAllTextAsync(checksFile));

            // The suite reports the client's exit code only when it is not 0 (and a kill at its timeout as such).
            var exited = ClientExitedLine().Match(suite.Output);
            var clientExitCode = exited.Success ? int.Parse(exited.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var clientTimedOut = suite.Output.Contains("Client timed out after", StringComparison.Ordinal);
            return (new ConformanceRun(scenario, checks, suite.ExitCode, clientExitCode, clientTimedOut), suite.Output);
        }
        finally
        {
            results.Delete(recursive: true);
        }
    }

    /// <summary>The client scenarios the suite lists (<c>conformance list --client</c>).</summary>
    public static async Task<IReadOnlyList<string>> ListClientScenariosAsync()
    {
        var suite = await RunSuiteAsync(Folder, ["list", "--client"]);
        if (suite.ExitCode != 0)
        {
            throw new InvalidOperationException($"`conformance list --client` exited with {suite.ExitCode}:{Environment.NewLine}{suite.Output}");
        }

        // Lines look like "  - initialize [2025-06-18,2025-11-25]".
        return ScenarioLine().Matches(suite.Output).Select(match => match.Groups[1].Value).ToList();
    }

    private static async Task<(int ExitCode, string Output)> RunSuiteAsync(string workingDirectory, IReadOnlyList<string> arguments)
    {
        var modules = Path.Combine(Folder, "node_modules");
        var node = Path.Combine(modules, "node", "bin", OperatingSystem.IsWindows() ? "node.exe" : "node");
        var cli = Path.Combine(modules, "@modelcontextprotocol", "conformance", "dist", "index.js");
        if (!File.Exists(node) || !File.Exists(cli))
        {
            throw new InvalidOperationException(
                "The conformance suite or its Node.js 22 is not installed in tests/conformance/node_modules. Building the " +
                "integration tests runs `npm ci` there (tests/NodePackages.targets); was it built with -p:SkipNodePackages=true?");
        }

        var info = new ProcessStartInfo(node)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(cli);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {node}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(RunTimeout))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));
                throw new TimeoutException(
                    $"The conformance suite did not finish within {RunTimeout.TotalSeconds:0} s and was killed. Output:{Environment.NewLine}" +
                    StripColors(await stdout + await stderr));
            }
        }

        return (process.ExitCode, StripColors(await stdout + await stderr));
    }

    /// <summary>
    /// The dotnet host that runs these tests (the same runtime for the client), or "dotnet" from PATH when this
    /// process is not started by a dotnet host or its path has a space (the suite splits the command at spaces).
    /// </summary>
    private static string DotnetHost()
    {
        var host = Environment.ProcessPath;
        var name = Path.GetFileNameWithoutExtension(host);
        return host is not null && string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase) && !host.Contains(' ', StringComparison.Ordinal)
            ? host
            : "dotnet";
    }

    private static string StripColors(string text) => AnsiEscape().Replace(text, string.Empty);

    [GeneratedRegex(@"Client exited with code (-?\d+)")]
    private static partial Regex ClientExitedLine();

    [GeneratedRegex(@"^\s+- (\S+)", RegexOptions.Multiline)]
    private static partial Regex ScenarioLine();

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex AnsiEscape();
}
