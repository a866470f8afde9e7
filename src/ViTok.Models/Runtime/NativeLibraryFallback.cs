using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace ViTok.Models.Runtime;

/// <summary>
/// For hosts that reference the built assemblies from another folder (a .NET Interactive notebook kernel): a native
/// library that the default probing does not find (libSkiaSharp for ML.NET's images, ParquetSharp's, ...) is loaded
/// from one folder, normally the build output's <c>runtimes/RID/native</c>. Applications never need it: their own
/// folder already has the libraries.
/// </summary>
public static class NativeLibraryFallback
{
    static readonly object Gate = new();
    static readonly HashSet<string> Folders = new(StringComparer.Ordinal);
    static readonly HashSet<AssemblyLoadContext> Contexts = [];

    /// <summary>Adds <paramref name="nativeDirectory"/> to the folders searched when a DllImport's library is not found.</summary>
    public static void Register(string nativeDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(nativeDirectory);
        if (!Directory.Exists(nativeDirectory))
            throw new DirectoryNotFoundException($"Native library folder '{nativeDirectory}' does not exist; build the project first (dotnet build -c Release).");
        lock (Gate)
        {
            Folders.Add(Path.GetFullPath(nativeDirectory));
            if (Contexts.Count > 0) return;
            // A scripting host (the notebook kernel) loads each batch of references into a new load context, and the
            // event is per context: hook every context there is and every one an assembly is loaded into later.
            AppDomain.CurrentDomain.AssemblyLoad += (_, e) => Hook(AssemblyLoadContext.GetLoadContext(e.LoadedAssembly));
            foreach (var context in AssemblyLoadContext.All) Hook(context);
        }
    }

    static void Hook(AssemblyLoadContext? context)
    {
        if (context is null) return;
        lock (Gate)
            if (Contexts.Add(context))
                context.ResolvingUnmanagedDll += Resolve;
    }

    static IntPtr Resolve(Assembly assembly, string name)
    {
        string? path = Find(name);
        return path is not null && NativeLibrary.TryLoad(path, out var handle) ? handle : IntPtr.Zero;
    }

    /// <summary>The file a DllImport name refers to in the registered folders (name, name.so, libname.so, ...), or null.</summary>
    public static string? Find(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string[] candidates = OperatingSystem.IsWindows() ? [name, name + ".dll"]
            : OperatingSystem.IsMacOS() ? [name, name + ".dylib", "lib" + name + ".dylib"]
            : [name, name + ".so", "lib" + name + ".so"];
        lock (Gate)
            return Folders.SelectMany(f => candidates.Select(c => Path.Combine(f, c))).FirstOrDefault(File.Exists);
    }
}
