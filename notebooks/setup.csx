// Shared first cell of every notebook: `#load "setup.csx"`. It references the assemblies built by
// `dotnet build src/ViTok.Cli -c Release` (notebooks/run builds them), loads libtorch from that build output, fixes
// torch's thread count so reruns give the same numbers, and lets cells show pictures: a `Png` or `Gif` value (or
// `display(...)` of one) becomes an image output. Paths are relative to notebooks/, the kernel's working folder.
#r "../src/ViTok.Cli/bin/Release/net10.0/TorchSharp.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/ViTok.Models.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/ViTok.Data.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/ViTok.Evaluation.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/ViTok.Training.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/ViTok.Experiments.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/ViTok.MLNet.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/Microsoft.ML.Core.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/Microsoft.ML.Data.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/Microsoft.ML.DataView.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/Microsoft.ML.StandardTrainers.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/Microsoft.ML.Transforms.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/Microsoft.ML.ImageAnalytics.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/Microsoft.Data.Analysis.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/SixLabors.ImageSharp.dll"

// `using` directives here do not reach the notebook: each notebook's first cell has its own.
using Microsoft.DotNet.Interactive.Formatting;
using ViTok.Models.Runtime;

/// <summary>PNG bytes shown as a picture.</summary>
public sealed record Png(byte[] Bytes);
/// <summary>GIF bytes shown as a (possibly animated) picture.</summary>
public sealed record Gif(byte[] Bytes);
Formatter.Register<Png>((p, w) => w.Write(Convert.ToBase64String(p.Bytes)), "image/png");
Formatter.SetPreferredMimeTypesFor(typeof(Png), "image/png");
Formatter.Register<Gif>((g, w) => w.Write(Convert.ToBase64String(g.Bytes)), "image/gif");
Formatter.SetPreferredMimeTypesFor(typeof(Gif), "image/gif");

/// <summary>Rows as an HTML table, one column per public property (of the first row's type when T is object).</summary>
static Microsoft.AspNetCore.Html.IHtmlContent Table<T>(IEnumerable<T> rows)
{
    var list = rows.ToList();
    var type = typeof(T) == typeof(object) && list.Count > 0 ? list[0]!.GetType() : typeof(T);   // anonymous rows in a List<object>
    var properties = type.GetProperties();
    string Cell(object v) => System.Net.WebUtility.HtmlEncode(v switch { null => "", double d => d.ToString("G6"), _ => v.ToString() ?? "" });
    var html = new System.Text.StringBuilder("<table><thead><tr>");
    foreach (var p in properties) html.Append("<th>").Append(System.Net.WebUtility.HtmlEncode(p.Name)).Append("</th>");
    html.Append("</tr></thead><tbody>");
    foreach (var row in list)
    {
        html.Append("<tr>");
        foreach (var p in properties) html.Append("<td>").Append(Cell(p.GetValue(row))).Append("</td>");
        html.Append("</tr>");
    }
    return new Microsoft.AspNetCore.Html.HtmlString(html.Append("</tbody></table>").ToString());
}

/// <summary>A path under the repository root (the kernel runs in notebooks/).</summary>
static string Repo(params string[] parts) => System.IO.Path.GetFullPath(System.IO.Path.Combine([System.IO.Path.GetFullPath(".."), .. parts]));
/// <summary>The build output the assemblies above come from (Onnx/ResNet18 and the runtimes live there).</summary>
static readonly string BuildOutput = Repo("src", "ViTok.Cli", "bin", "Release", "net10.0");

TorchRuntime.LoadFromAssemblyFolder();
const int Threads = 2;                        // fixed, so that the numbers are the same on any machine
TorchRuntime.ApplyThreads(Threads);
