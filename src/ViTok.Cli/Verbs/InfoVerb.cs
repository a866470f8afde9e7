using System.CommandLine;
using ViTok.Models.Runtime;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok info`: TorchSharp and libtorch versions, device, threads, CPU features.</summary>
public sealed class InfoVerb : IVerb
{
    readonly ComputeOptionSet _compute = new();

    public Command Create()
    {
        var command = new Command("info", "Show TorchSharp/libtorch versions, the device, thread count and CPU features.");
        _compute.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        RuntimeInfo info = TorchRuntime.Describe(_compute.Read(parse));
        var o = context.Out;
        o.WriteLine($"TorchSharp      {info.TorchSharpVersion}");
        o.WriteLine($"libtorch        {info.LibTorchVersion}");
        o.WriteLine($"torch runtime   {info.Runtime}");
        o.WriteLine($"device          {info.Device}");
        o.WriteLine($"threads         {info.Threads}");
        o.WriteLine($"thread wait     {info.ThreadWait}");
        o.WriteLine($"CUDA available  {(info.CudaAvailable ? "yes" : "no")}");
        o.WriteLine($"CPU AVX-512     {(info.Avx512 ? "yes" : "no")}");
        o.WriteLine($"CPU AVX512-BF16 {(info.Avx512Bf16 ? "yes" : "no")}");
        o.WriteLine($".NET            {Environment.Version}");
        return VitokApp.Success;
    }
}
