namespace ViTok.Cli.Tests;

/// <summary>Runs `vitok` in-process and captures what it prints.</summary>
static class CliHarness
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = VitokApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
