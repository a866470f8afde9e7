using System.Diagnostics;

namespace ViTok.Cli.Tests;

/// <summary>Runs `vitok` as a separate process (dotnet vitok.dll from the test's output folder), as a scheduler runs a worker.</summary>
static class VitokProcess
{
    /// <summary>Starts `vitok ARGS` with extra environment variables (a null value removes one); stdout and stderr are collected into the returned buffers.</summary>
    public static (Process Process, System.Text.StringBuilder Output) Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vitok.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        var output = new System.Text.StringBuilder();
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    /// <summary>Waits for a started process (a generous guard against a hang, not a timing check) and returns its exit code and output.</summary>
    public static (int Code, string Output) Finish(Process process, System.Text.StringBuilder output)
    {
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("vitok did not finish within 10 minutes: " + output);
        }
        process.WaitForExit();   // flushes the redirected streams
        lock (output) return (process.ExitCode, output.ToString());
    }

    public static (int Code, string Output) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var (process, output) = Start(args, environment);
        using (process) return Finish(process, output);
    }
}
