using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Bench.Headline;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>The load command's preparation: the parsed values checked and turned into the engine's and the target's
/// settings (arguments, token and headers, mix, TLS trust).</summary>
public static partial class LoadCommand
{
    /// <summary>Turns the command's settings into the engine's and the target's; false with a message when a value
    /// is out of range or a file or variable is missing.</summary>
    public static bool TryPrepare(LoadCommandSettings settings, out LoadRunOptions runOptions, out LoadTargetSettings targetSettings, out string problem)
    {
        ArgumentNullException.ThrowIfNull(settings);
        runOptions = null!;
        targetSettings = null!;
        problem = string.Empty;
        if (settings.Target is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            problem = "--target must be an absolute http or https URL.";
            return false;
        }

        byte[] arguments;
        try
        {
            var json = settings.ArgumentsFile is { } file ? File.ReadAllText(file.FullName) : settings.ArgumentsJson ?? CallScenario.ArgumentsJson;
            using (var document = JsonDocument.Parse(json))
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    problem = "the tool arguments must be a JSON object.";
                    return false;
                }
            }

            arguments = Encoding.UTF8.GetBytes(json);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            problem = "cannot use the tool arguments: " + ex.Message;
            return false;
        }

        string? token = null;
        if (settings.TokenVariable is { } variable)
        {
            token = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(token))
            {
                problem = $"environment variable {variable} (--token-env) is not set or empty.";
                return false;
            }
        }

        var headers = new RequestHeaders();
        if (!TryParseHeaders(settings.Headers, ref token, headers, out problem))
        {
            return false;
        }

        if (!LoadMix.TryParse(settings.Mix, settings.MixFile, arguments, out var mix, out problem))
        {
            return false;
        }

        X509Certificate2Collection? trustedRoots = null;
        if (settings.CaFile is { } caFile)
        {
            try
            {
                trustedRoots = LoadCertificates(caFile.FullName);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                problem = "cannot read --ca-file: " + ex.Message;
                return false;
            }
        }

        if (settings.ErrorRate is < 0 or > 1 || settings.LatencyMs < 0 || settings.StallMs < 0 || settings.StallAfterMs < 0 || settings.ErrorStatus is < 100 or > 999)
        {
            problem = "fault profile out of range: --error-rate 0..1, --error-status 100..999, --latency-ms, --stall-ms and --stall-after-ms not negative.";
            return false;
        }

        if (settings.MaxErrorRate is < 0 or > 1 or double.NaN || settings.MaxP99Micros is < 0 || settings.Retries is < 0 or > 10 || settings.Timeout <= TimeSpan.Zero
            || settings.Workers is < 1 or > 1024)
        {
            problem = "out of range: --max-error-rate 0..1, --max-p99 not negative, --retries 0..10, --timeout positive, --workers 1..1024.";
            return false;
        }

        var rate = settings.Rate ?? (settings.Concurrency is null ? DefaultRate : null);
        runOptions = new LoadRunOptions
        {
            Rate = rate,
            Concurrency = settings.Concurrency,
            Duration = settings.Duration,
            Warmup = settings.Warmup,
            MaxOutstanding = settings.MaxOutstanding,
            DrainTimeout = settings.Timeout + TimeSpan.FromSeconds(1),
            Ramp = settings.Ramp,
        };
        try
        {
            runOptions.Validate();
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message;
            return false;
        }

        var stallAfter = settings.StallAfterMs ?? (int)(settings.Duration.TotalMilliseconds / 2);
        targetSettings = new LoadTargetSettings
        {
            Target = settings.Target,
            Protocol = settings.Protocol,
            Tool = settings.Tool,
            ArgumentsUtf8 = arguments,
            Token = token,
            Headers = headers,

            // The host process has no stall switch yet, so a stall runs the embedded service in-process.
            InProcess = settings.InProcess || settings.StallMs > 0,
            Fault = new FaultProfile(settings.LatencyMs, settings.ErrorRate, settings.ErrorStatus, settings.StallMs, settings.StallMs > 0 ? stallAfter : 0),
            Seed = settings.Seed,
            Workers = settings.Workers ?? Math.Min(1024, settings.Concurrency ?? DefaultOpenLoopWorkers),
            QueueCapacity = Math.Max(settings.MaxOutstanding, (settings.Concurrency ?? 0) * 2),
            Timeout = settings.Timeout,
            Retries = settings.Retries,
            Mix = mix,
            TrustedRoots = trustedRoots,
            Insecure = settings.Insecure,
            QueueMode = settings.QueueMode,
        };
        return true;
    }

    /// <summary>
    /// Checks every <c>--header</c>: <c>Name: value</c> with a valid token name and no line break. An
    /// <c>Authorization: Bearer …</c> header becomes the bearer token (so a 401 refreshes it like in production);
    /// any other goes into <paramref name="extra"/>, the service's static headers (<see cref="HttpOptions.Headers"/>),
    /// whose own rules (reserved names, characters) apply, with messages that never quote the value.
    /// </summary>
    internal static bool TryParseHeaders(IReadOnlyList<string> headers, ref string? token, RequestHeaders extra, out string problem)
    {
        problem = string.Empty;
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? header[..colon].Trim() : string.Empty;
            var value = colon > 0 ? header[(colon + 1)..].Trim() : string.Empty;
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal))
                || value.Length == 0 || value.Any(char.IsControl))
            {
                problem = "--header must be 'Name: value' with a token name and a non-empty value on one line.";
                return false;
            }

            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                if (token is not null)
                {
                    problem = "give the bearer token once: --token-env or --header 'Authorization: Bearer …', not both.";
                    return false;
                }

                token = value["Bearer ".Length..].Trim();
                continue;
            }

            try
            {
                extra.Add(name, value);
            }
            catch (ArgumentException ex)
            {
                problem = $"--header {name}: {ex.Message.Split(" (Parameter", 2)[0]}";
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads CA certificates from a PEM file (one or more) or a DER file (one).</summary>
    private static X509Certificate2Collection LoadCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        if (File.ReadAllText(path).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            collection.ImportFromPemFile(path);
        }
        else
        {
            collection.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }

        if (collection.Count == 0)
        {
            throw new CryptographicException("no certificate in the file.");
        }

        return collection;
    }
}
